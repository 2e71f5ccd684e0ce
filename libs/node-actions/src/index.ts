export type {
  NodeActionKind,
  AgentResourceType,
  NodeActionPayload,
  NodeActionOutcome,
  NodeActionResult,
  AgentTarget,
  NodeResourceRequest,
  NodeResourceDone,
  NodeResourceErrorKind,
  NodeResourceDriver,
} from './node-action.types';
export { NodeResourceError, NODE_RESOURCE_DRIVER } from './node-action.types';
export { NodeActionBroker, actionQueueKey, actionsInFlightKey, actionResultKey, WAKE_CHANNEL, DONE_CHANNEL, REPORT_GRACE_MS } from './node-action.broker';
export type { CompleteOutcome, DispatchOutcome } from './node-action.broker';
export { AgentNodeResourceDriver } from './agent-resource.driver';
export { NodeActionsModule } from './node-actions.module';
