import { Module } from '@nestjs/common';
import { ActionController } from './action.controller';

/**
 * The REST endpoints node agents call through NestJS (resource actions); heartbeats are answered
 * ahead of the framework by `installAgentFastPath` (ADR 0018). Its services come from the
 * engine's HeartbeatsModule and NodeActionsModule, which the app imports (global) next to this one.
 */
@Module({ controllers: [ActionController] })
export class AgentApiModule {}
