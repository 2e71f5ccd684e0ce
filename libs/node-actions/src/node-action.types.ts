import type { ResourceType, TenantScope } from '@haaas/domain';

/** What a node agent is asked to do with one resource. */
export type NodeActionKind = 'start' | 'stop' | 'monitor';

/** The resource types node agents carry out (VMs go through the hypervisor adapters). */
export type AgentResourceType = ResourceType.IP | ResourceType.APPLICATION | ResourceType.VOLUME;

/**
 * One action as the agent receives it (the body of `POST /v1/agent/actions/next`). The spec is
 * the resource's own (IpSpec, ApplicationSpec, VolumeSpec of @haaas/management): no credentials,
 * nothing sealed, so nothing secret travels through Redis or reaches a log.
 */
export interface NodeActionPayload {
  /** Unique (a UUID): the agent reports the result under it. */
  readonly id: string;
  readonly kind: NodeActionKind;
  readonly resource: {
    readonly id: string;
    readonly name: string;
    readonly type: AgentResourceType;
    readonly spec: Readonly<Record<string, unknown>>;
  };
  /** Time left for the action when the agent took it (ms): its deadline on the host. */
  readonly timeoutMs: number;
}

/**
 * How an action ended on the host. DONE: the change was made; ALREADY: nothing to do (already
 * running, present, mounted; or already stopped); FAILED: the command or the change failed;
 * TIMED_OUT: the deadline passed (the command was killed); DISABLED: the agent does not carry out
 * this type. For `monitor`, `ok` says whether the resource is healthy.
 */
export type NodeActionOutcome = 'DONE' | 'ALREADY' | 'FAILED' | 'TIMED_OUT' | 'DISABLED';

/** The agent's report (the body of `POST /v1/agent/actions/:id/result`). */
export interface NodeActionResult {
  readonly ok: boolean;
  readonly outcome: NodeActionOutcome;
  /** Exit code of the command that decided the outcome, if one ran. */
  readonly exitCode: number | null;
  /** What was done, in one line ("added 10.0.0.5/24 on eth0; gratuitous ARP sent"). */
  readonly detail: string;
  /** The end of the command's stderr, redacted and truncated by the agent. */
  readonly stderr?: string;
  /** Time the action took on the host (ms). */
  readonly latencyMs: number;
}

/** Where a node's agent is: the tenant and node (the cluster only for the log). */
export interface AgentTarget {
  readonly scope: TenantScope;
  readonly nodeId: string;
  readonly hostname: string;
}

export interface NodeResourceRequest {
  readonly resource: NodeActionPayload['resource'];
  /** The deadline of the action (the service's start or stop timeout). */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** What a driver reports after a successful action. */
export interface NodeResourceDone extends NodeActionResult {
  /** Time from asking to the answer, as the engine saw it (ms). */
  readonly roundTripMs: number;
}

/** Why an action failed: the agent did not answer in time, or it answered with a failure. */
export type NodeResourceErrorKind = 'AGENT_UNREACHABLE' | 'ACTION_FAILED';

export class NodeResourceError extends Error {
  constructor(
    readonly kind: NodeResourceErrorKind,
    message: string,
    /** The same action on the same node may succeed later (an agent that did not answer). */
    readonly retryable: boolean,
    readonly result: NodeActionResult | null = null,
  ) {
    super(message);
    this.name = 'NodeResourceError';
  }
}

/**
 * Carries out IP, APPLICATION and VOLUME resources on a node: what the ServiceRunner calls for
 * every resource that is not a VM. Throws NodeResourceError when the action did not succeed.
 */
export interface NodeResourceDriver {
  start(target: AgentTarget, request: NodeResourceRequest): Promise<NodeResourceDone>;
  stop(target: AgentTarget, request: NodeResourceRequest): Promise<NodeResourceDone>;
  /** Health of the resource on the node: `ok` false is an answer, not an error. */
  monitor(target: AgentTarget, request: NodeResourceRequest): Promise<NodeResourceDone>;
}

export const NODE_RESOURCE_DRIVER = Symbol('NODE_RESOURCE_DRIVER');
