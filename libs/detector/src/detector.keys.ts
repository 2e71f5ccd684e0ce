/**
 * Redis keys of the failure detector. The lease and its token counter share a hash tag, so the
 * acquisition script (which touches both) runs on Redis Cluster too; a cluster's detector state and
 * its external failure reports share the cluster's tag.
 */
export const DEFAULT_KEY_PREFIX = 'haaas';

export interface LeaseKeys {
  /** `SET NX PX` by the leader; the value is `<holder>#<token>`. */
  readonly lease: string;
  /** `INCR` on every acquisition: the fencing token. */
  readonly token: string;
}

export function leaseKeys(prefix = DEFAULT_KEY_PREFIX): LeaseKeys {
  return { lease: `${prefix}:{detector}:lease`, token: `${prefix}:{detector}:token` };
}

function clusterTag(prefix: string, tenantId: string, clusterId: string): string {
  return `${prefix}:det:{${tenantId}/${clusterId}}`;
}

/** Hash: node id → the detector's record of the node (JSON); field `~quorum` → the cluster's last quorum. */
export function detectorStateKey(prefix: string, tenantId: string, clusterId: string): string {
  return `${clusterTag(prefix, tenantId, clusterId)}:state`;
}

/** Hash: node id → the pending external failure report of the node (JSON). */
export function failureReportsKey(prefix: string, tenantId: string, clusterId: string): string {
  return `${clusterTag(prefix, tenantId, clusterId)}:reports`;
}

/** The state hash field that holds the cluster's last quorum (a node id is a UUID, never this). */
export const QUORUM_FIELD = '~quorum';
