/**
 * The idempotency key of the incident of one failure: `<clusterId>.<nodeId>.<epoch>`, unique in
 * MySQL (`incidents.idempotency_key`), with '.' rather than ':' because the same string may serve
 * as a BullMQ job id.
 *
 * The epoch is the time of the node's last heartbeat when its failure is declared (Redis's clock,
 * ms). The same failure declared twice (two detectors, a detector that took over, a replay after a
 * crash) sees the same last heartbeat, hence the same key: one incident. A new failure after the
 * node came back follows newer heartbeats, hence a new key. For an isolation (declared while
 * heartbeats still arrive) two declarations could read different heartbeats; those are one
 * incident all the same, because the detector writes under the cluster's row lock and first looks
 * for the node's open incident (DetectorStore.openIncidentOf).
 */
export function incidentIdempotencyKey(clusterId: string, nodeId: string, epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new Error('incidentIdempotencyKey: epoch must be a finite number');
  return `${clusterId}.${nodeId}.${Math.trunc(epochMs)}`;
}
