import type { TenantScope } from '@haaas/domain';
import type { HeartbeatStore } from '@haaas/heartbeats';

/** When each node of a cluster was last heard from, by the heartbeat store's (Redis's) clock. */
export interface HeardFrom {
  readonly nowMs: number;
  /** Node id → last heartbeat (ms); absent: never heard from, or forgotten. */
  readonly lastSeenMs: ReadonlyMap<string, number>;
  /**
   * When the cluster's heartbeat record began (same clock). A node not heard from since a record
   * began less than a deadtime ago may simply not have beaten yet: its liveness is unknown, not
   * lost (the control plane lost its state, e.g. Redis restarted empty). Absent: not known.
   */
  readonly recordSinceMs?: number;
}

/**
 * Where placement learns which nodes are alive now. The node's row says ONLINE until the detector
 * declares it failed, and during a grace period (after a reboot, a fence or maintenance) a silent
 * node is not declared at all: the row alone would offer a dead host as a target. The heartbeat
 * store is what every heartbeat source (node agents, hypervisor managers) writes to.
 */
export interface NodeLiveness {
  heardFrom(scope: TenantScope, clusterId: string): Promise<HeardFrom>;
}

export const NODE_LIVENESS = Symbol('NODE_LIVENESS');

/** The heartbeat store as placement's source of liveness: one script (TIME, the record's start, ZRANGE) per read. */
export function heartbeatLiveness(store: HeartbeatStore): NodeLiveness {
  return {
    async heardFrom(scope, clusterId) {
      return store.view(scope, clusterId);
    },
  };
}

/** Heard from within `deadtimeMs` (inclusive): the one liveness rule of placement. */
export function heardWithin(heard: HeardFrom, nodeId: string, deadtimeMs: number): boolean {
  const at = heard.lastSeenMs.get(nodeId);
  return at !== undefined && heard.nowMs - at <= deadtimeMs;
}

/**
 * Not heard from, but the cluster's heartbeat record is younger than the deadtime: the node may
 * beat any moment (its agent reconnects to a Redis that lost its data). Returns how long (ms, by
 * the store's clock) until its silence counts, or null when its liveness is known.
 */
export function livenessUnknownForMs(heard: HeardFrom, nodeId: string, deadtimeMs: number): number | null {
  if (heard.recordSinceMs === undefined || heard.lastSeenMs.has(nodeId)) return null;
  const left = heard.recordSinceMs + deadtimeMs - heard.nowMs;
  return left > 0 ? left : null;
}
