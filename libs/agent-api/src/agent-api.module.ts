import { Module } from '@nestjs/common';
import { HeartbeatController } from './heartbeat.controller';

/**
 * The REST endpoints node agents call (heartbeats). Its services come from the engine's
 * HeartbeatsModule, which the app imports (global) next to this one.
 */
@Module({ controllers: [HeartbeatController] })
export class AgentApiModule {}
