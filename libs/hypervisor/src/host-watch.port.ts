import type { HostConnectionState, HypervisorEndpoint } from './hypervisor.port';

/** A host as its manager last told it (vCenter's HostSystem runtime). */
export interface ManagedHostState {
  /** The host's inventory name (what a node's hostname or endpoint host names). */
  readonly host: string;
  readonly connectionState: HostConnectionState;
  /** runtime.powerState: true poweredOn, false poweredOff/standBy, null unknown. */
  readonly poweredOn: boolean | null;
  readonly maintenance: boolean;
  /** runtime.bootTime (ms since the epoch) when the manager knows it: a change means the host rebooted. */
  readonly bootTimeMs: number | null;
}

/**
 * One long-lived watch of every host a manager knows (vCenter: a PropertyCollector filter and a
 * WaitForUpdatesEx long-poll), shared by all nodes of that manager. It never throws at its reader:
 * `current()` says whether the manager answered lately and what it said.
 */
export interface HostWatch {
  /**
   * The hosts as last pushed, or null while the manager is not answering (not yet logged in, or
   * the long-poll failed and is being retried): a silent manager tells nothing about its hosts.
   */
  current(): ReadonlyMap<string, ManagedHostState> | null;
  /** Why the watch is not answering (the last error), if it is not. */
  readonly problem: string | null;
  /** Resolves once the first full state arrived or the deadline passed (true: it arrived). */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Adapters whose manager pushes host state (vSphere) offer this beside `connect`. */
export interface HostWatchingAdapter {
  watchHosts(endpoint: HypervisorEndpoint): HostWatch;
}

export function canWatchHosts(adapter: object): adapter is HostWatchingAdapter {
  return typeof (adapter as Partial<HostWatchingAdapter>).watchHosts === 'function';
}
