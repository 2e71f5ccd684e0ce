import { ResourceType, ServiceState } from '@haaas/domain';
import { AdapterError } from '@haaas/hypervisor';
import type { Repositories, ResourceEntity } from '@haaas/persistence';
import { redact } from '@haaas/secrets';
import { NodeResourceError } from '@haaas/node-actions';
import type { NodeResourceDone } from '@haaas/node-actions';
import { vmRefOf } from './cluster-view';
import { adapterMessage } from './hypervisor-hosts';

/* The errors, options and results of ServiceRunner's start and stop. */

export type StartErrorKind =
  /** A VM of the service is active on another node: starting it here would run it twice. */
  | 'VM_ACTIVE_ELSEWHERE'
  /** The target's hypervisor did not answer. */
  | 'TARGET_UNREACHABLE'
  /** The target does not know the VM and no definition is kept to register it. */
  | 'NO_DEFINITION'
  /** The target is not a node of the service's cluster. */
  | 'NOT_IN_CLUSTER'
  /** The hypervisor refused or failed a call (the adapter's error kind is in the message). */
  | 'ADAPTER'
  /** The node agent carried out an IP, APPLICATION or VOLUME start and it failed (exit code in the message). */
  | 'RESOURCE_FAILED';

/** A start that did not complete. `retryable`: the same start on the same node may succeed later. */
export class ServiceStartError extends Error {
  constructor(
    readonly kind: StartErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly nodeId: string,
    readonly resourceId: string | null = null,
    readonly vmRef: string | null = null,
    /** Exit code of the node agent's command that failed, if one ran. */
    readonly exitCode: number | null = null,
  ) {
    super(message);
    this.name = 'ServiceStartError';
  }
}

/** A stop that did not complete (a VM could not be stopped on its node). */
export class ServiceStopError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly nodeId: string | null,
    readonly resourceId: string | null,
  ) {
    super(message);
    this.name = 'ServiceStopError';
  }
}

/** What happened to one resource in a start. */
export interface ResourceStart {
  readonly resourceId: string;
  readonly name: string;
  readonly type: ResourceType;
  readonly vmRef: string | null;
  /**
   * STARTED: startVm was called; REGISTERED_AND_STARTED: registered from the kept definition first;
   * ALREADY_RUNNING: found active on the target, no call made; AGENT: not a VM, carried out by the
   * target's node agent (`outcome` DONE, or ALREADY when there was nothing to do).
   */
  readonly action: 'STARTED' | 'REGISTERED_AND_STARTED' | 'ALREADY_RUNNING' | 'AGENT';
  readonly latencyMs: number;
  /** AGENT only: the agent's outcome, what it did and the exit code of its command. */
  readonly outcome?: NodeResourceDone['outcome'];
  readonly detail?: string;
  readonly exitCode?: number | null;
}

export interface StartedService {
  readonly serviceId: string;
  readonly nodeId: string;
  readonly resources: readonly ResourceStart[];
  /** VM definitions exported after the start and stored (new or changed). */
  readonly definitionsStored: number;
  readonly latencyMs: number;
}

export interface StartServiceOptions {
  /** Why, for the log ("recovery of incident …", "operation …"). */
  readonly reason: string;
  /** The service's state while starting (default STARTING) and after a failed start (default FAILED). */
  readonly startingState?: ServiceState;
  readonly failedState?: ServiceState;
  /**
   * Extra writes committed with "the service runs on the node" (the caller's bookkeeping). Runs
   * first in that transaction, so a caller that locks its own rows locks them before the service's;
   * what it returns runs last in it (e.g. its log entries, after the runner's `service.started`).
   */
  readonly onStarted?: (repos: Repositories, started: StartedService) => Promise<AfterStarted | void>;
  /**
   * Extra writes committed with the failure (runs first in that transaction). It may say which
   * state the service is left in, and add fields to the `service.start_failed` event (e.g. what the
   * caller decided: retry, relocate, give up).
   */
  readonly onFailed?: (repos: Repositories, error: ServiceStartError) => Promise<StartFailureOutcome | void>;
  readonly signal?: AbortSignal;
}

/** Writes of the caller's that belong after the runner's own in the transaction that records the start (its log entries, so the log reads in order). */
export type AfterStarted = (repos: Repositories) => Promise<void>;

/** What a caller decided about a failed start, recorded with it. */
export interface StartFailureOutcome {
  /** The service's state after the failure (default: `failedState`). */
  readonly serviceState?: ServiceState;
  /** Where the service is now (default: unchanged). */
  readonly currentNodeId?: string | null;
  /** Added to the `service.start_failed` event. */
  readonly note?: Record<string, unknown>;
}

export interface StopServiceOptions {
  readonly reason: string;
  /** Only the VMs placed on this node (cleaning up a target that was given up). */
  readonly onlyNodeId?: string;
  /** Power off at once instead of asking the guests first. */
  readonly force?: boolean;
  /** Leave services.state and current_node_id as they are (a cleanup within a larger action). */
  readonly keepServiceState?: boolean;
  readonly signal?: AbortSignal;
}

export interface StoppedService {
  readonly serviceId: string;
  /** VMs stopped, by node. */
  readonly stopped: readonly { readonly resourceId: string; readonly vmRef: string; readonly nodeId: string }[];
  readonly latencyMs: number;
}

/** Any error of a start as the ServiceStartError it is recorded as (an unknown error is rethrown). */
export function toStartError(err: unknown, nodeId: string, resource: ResourceEntity | null, secrets: readonly string[]): ServiceStartError {
  if (err instanceof ServiceStartError) return err;
  if (err instanceof NodeResourceError) {
    const kind = err.kind === 'AGENT_UNREACHABLE' ? 'TARGET_UNREACHABLE' : 'RESOURCE_FAILED';
    return new ServiceStartError(kind, redact(err.message, secrets), err.retryable, nodeId, resource?.id ?? null, null, err.result?.exitCode ?? null);
  }
  const ref = resource ? vmRefOf(resource) : null;
  if (err instanceof AdapterError) {
    const kind = err.kind === 'UNREACHABLE' ? 'TARGET_UNREACHABLE' : 'ADAPTER';
    return new ServiceStartError(kind, `${ref ? `VM ${ref}: ` : ''}${redact(adapterMessage(err), secrets)}`, err.retryable, nodeId, resource?.id ?? null, ref);
  }
  throw err;
}
