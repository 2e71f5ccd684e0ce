export type { NodeAgentIdentity, CheckResult, IsolationCheckResult, HeartbeatReport, HeartbeatRecord } from './heartbeat.types';
export {
  AGENT_TOKEN_PREFIX,
  mintAgentToken,
  parseAgentToken,
  hashAgentToken,
  agentTokenHashesEqual,
  agentTokenFingerprint,
  bearerToken,
} from './agent-token';
export type { MintedAgentToken } from './agent-token';
export { HeartbeatStore, lastSeenKey, nodeHeartbeatKey } from './heartbeat.store';
export type { HeartbeatStoreOptions } from './heartbeat.store';
export { AgentTokenService, agentTokenCacheKey } from './agent-token.service';
export type { IssuedAgentToken } from './agent-token.service';
export { HeartbeatIntake, intervalCacheKey } from './heartbeat-intake.service';
export type { HeartbeatAck } from './heartbeat-intake.service';
export { HeartbeatsModule } from './heartbeats.module';
export { LeftNodeCleanup, NODE_LEFT_EVENT } from './left-node.cleanup';
export { HEARTBEAT_REDIS, HEARTBEAT_OPTIONS } from './heartbeats.options';
export type { HeartbeatsOptions } from './heartbeats.options';
export { LocalCache } from '@haaas/cache';
