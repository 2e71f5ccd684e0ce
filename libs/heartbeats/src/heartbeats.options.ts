export const HEARTBEAT_REDIS = Symbol('HEARTBEAT_REDIS');
export const HEARTBEAT_OPTIONS = Symbol('HEARTBEAT_OPTIONS');

/** The Redis connection is the process's `heartbeats` one (@haaas/redis: auto-pipelined, failing in 2 s). */
export interface HeartbeatsOptions {
  /**
   * How long this process trusts what it read about a token or a cluster's interval (default 5 s):
   * a token rotated through another API replica stops working here within this time.
   */
  readonly localTtlMs?: number;
  /** How long Redis keeps a node's token hash (default 10 min; issuing a token replaces it at once). */
  readonly tokenCacheTtlSeconds?: number;
  /** How long Redis keeps "no such node, or no token" (default 60 s), so unknown tokens cost no database read each. */
  readonly negativeCacheTtlSeconds?: number;
  /** How long Redis keeps a cluster's heartbeat interval (default 30 s): a policy change reaches the agents within it. */
  readonly intervalCacheTtlSeconds?: number;
  /** How long a silent node's last heartbeat is kept (default 7 days). */
  readonly retentionMs?: number;
  /** Bound of each in-process cache (default 100 000 entries). */
  readonly localMaxEntries?: number;
}

export type ResolvedHeartbeatsOptions = Required<HeartbeatsOptions>;

export function resolveHeartbeatsOptions(o: HeartbeatsOptions): ResolvedHeartbeatsOptions {
  return {
    localTtlMs: o.localTtlMs ?? 5000,
    tokenCacheTtlSeconds: o.tokenCacheTtlSeconds ?? 600,
    negativeCacheTtlSeconds: o.negativeCacheTtlSeconds ?? 60,
    intervalCacheTtlSeconds: o.intervalCacheTtlSeconds ?? 30,
    retentionMs: o.retentionMs ?? 7 * 24 * 3600 * 1000,
    localMaxEntries: o.localMaxEntries ?? 100_000,
  };
}
