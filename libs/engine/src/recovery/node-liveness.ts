import type { TenantScope } from '@haaas/domain';
import type { HeartbeatStore } from '../heartbeats/heartbeat.store';

/** When each node of a cluster was last heard from, by the heartbeat store's (Redis's) clock. */
export interface HeardFrom {
  readonly nowMs: number;
  /** Node id → last heartbeat (ms); absent: never heard from, or forgotten. */
  readonly lastSeenMs: ReadonlyMap<string, number>;
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

/** The heartbeat store as placement's source of liveness: one TIME and one ZRANGE per read. */
export function heartbeatLiveness(store: HeartbeatStore): NodeLiveness {
  return {
    async heardFrom(scope, clusterId) {
      const [nowMs, lastSeenMs] = await Promise.all([store.now(), store.lastSeen(scope, clusterId)]);
      return { nowMs, lastSeenMs };
    },
  };
}

/** Heard from within `deadtimeMs` (inclusive): the one liveness rule of placement. */
export function heardWithin(heard: HeardFrom, nodeId: string, deadtimeMs: number): boolean {
  const at = heard.lastSeenMs.get(nodeId);
  return at !== undefined && heard.nowMs - at <= deadtimeMs;
}
