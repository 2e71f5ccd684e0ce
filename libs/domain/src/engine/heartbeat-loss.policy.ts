import { NodeStatus } from '../enums';

/**
 * Statuses in which the detector was hearing from a node: if its heartbeat record is missing in
 * one of these, the record was lost (Redis restarted empty, a failover to a replica that had not
 * got the beats), not "never heard from". OFFLINE, FENCED and MAINTENANCE nodes were not being
 * heard from, and a declared FAILED node sticks anyway (the machine's rule 3).
 */
const HEARD_FROM: ReadonlySet<NodeStatus> = new Set([
  NodeStatus.ONLINE,
  NodeStatus.UNSTABLE,
  NodeStatus.EXCLUDED,
  NodeStatus.NETWORK_ISOLATED,
  NodeStatus.STORAGE_ISOLATED,
]);

/** When the node was last heard from, as the node health machine counts it. */
export interface LastHeard {
  readonly atMs: number | null;
  /** No heartbeat record: the time is when the record was lost (or the last one remembered), not a heartbeat received. */
  readonly assumed: boolean;
}

/**
 * The node's last heartbeat, or, when its record is gone while the node was being heard from, the
 * time the loss was noticed (`recordSinceMs`: when the cluster's heartbeat record began again),
 * or the last heartbeat the detector remembers if that is later. Such a node is then suspected
 * after the deadtime and probed like any silent node, instead of being "never heard from" (OFFLINE,
 * never declared: docs/adr/0023). Pure.
 */
export function lastHeard(
  state: { readonly status: NodeStatus; readonly lastHeartbeatAtMs: number | null },
  observation: { readonly lastHeartbeatAtMs: number | null; readonly heartbeatRecordSinceMs?: number | null },
): LastHeard {
  if (observation.lastHeartbeatAtMs !== null) return { atMs: observation.lastHeartbeatAtMs, assumed: false };
  if (!HEARD_FROM.has(state.status)) return { atMs: null, assumed: false };
  const known = [state.lastHeartbeatAtMs, observation.heartbeatRecordSinceMs ?? null].filter((t): t is number => t !== null);
  return known.length === 0 ? { atMs: null, assumed: false } : { atMs: Math.max(...known), assumed: true };
}
