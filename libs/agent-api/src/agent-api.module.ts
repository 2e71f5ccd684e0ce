import { Module } from '@nestjs/common';
import { ActionController } from './action.controller';
import { HeartbeatController } from './heartbeat.controller';

/**
 * The REST endpoints node agents call (heartbeats, resource actions). Its services come from the
 * engine's HeartbeatsModule and NodeActionsModule, which the app imports (global) next to this one.
 */
@Module({ controllers: [HeartbeatController, ActionController] })
export class AgentApiModule {}
