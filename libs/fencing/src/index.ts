export { type FenceErrorKind, type FenceResult, type PowerState, FenceError, isFenceError } from './fence.errors';
export { type AgentMetadata, type AgentParameter, type OptionSyntax, isSecretParameterName, MetadataParseError, parseAgentMetadata } from './agent-metadata.parser';
export {
  type OptionProblem,
  type OptionProblemCode,
  type ResolvedOption,
  type ValidateOptionsContext,
  resolveOption,
  validateAgentOptions,
} from './agent-options.validator';
export { type FenceAction, classifyFailure, judgeAttempt } from './agent-output.classifier';
export { agentTimeoutOptions } from './agent-timeouts.policy';
export { AGENT_NAME, DEFAULT_AGENTS_DIR, FenceAgentCatalog, type FenceAgentCatalogOptions, NOT_AGENTS } from './fence-agent.catalog';
export { FENCE_ACTIONS, FenceAgentRunner, type FenceAgentRunnerOptions, type FenceRunRequest } from './fence-agent.runner';
