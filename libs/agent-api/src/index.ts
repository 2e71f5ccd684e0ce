export { AgentApiModule } from './agent-api.module';
export { HeartbeatController } from './heartbeat.controller';
export type { AgentApiError, HeartbeatReply } from './heartbeat.controller';
export { parseHeartbeat, MAX_HEARTBEAT_BYTES, MAX_DETAIL_LENGTH, MAX_ADDRESS_LENGTH, MAX_AGENT_VERSION_LENGTH } from './heartbeat.request';
export type { ParsedHeartbeat } from './heartbeat.request';
