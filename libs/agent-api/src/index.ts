export { AgentApiModule } from './agent-api.module';
export { HeartbeatController } from './heartbeat.controller';
export type { AgentApiError, HeartbeatReply } from './heartbeat.controller';
export { parseHeartbeat, MAX_HEARTBEAT_BYTES, MAX_DETAIL_LENGTH, MAX_ADDRESS_LENGTH, MAX_AGENT_VERSION_LENGTH } from './heartbeat.request';
export type { ParsedHeartbeat } from './heartbeat.request';
export { ActionController } from './action.controller';
export type { NextActionReply, ActionResultReply } from './action.controller';
export { parseActionResult, parseNextRequest, validActionId, MAX_ACTION_BODY_BYTES, MAX_WAIT_SECONDS, DEFAULT_WAIT_SECONDS } from './action.request';
export type { ParsedActionResult } from './action.request';
