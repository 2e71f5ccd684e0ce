import type Redis from 'ioredis';
import type { TenantScope } from '@haaas/domain';
import { type ClusterBeats, HeartbeatBatch } from './heartbeat.batch';
import type { HeartbeatRecord, HeartbeatReport, NodeAgentIdentity } from './heartbeat.types';

/**
 * Keys of one cluster share a hash tag (`{tenant/cluster}`), so the record script's keys live in
 * one slot and the layout works on Redis Cluster as well as on a single server or Sentinel.
 */
function clusterTag(tenantId: string, clusterId: string): string {
  return `haaas:hb:{${tenantId}/${clusterId}}`;
}
export function lastSeenKey(tenantId: string, clusterId: string): string {
  return `${clusterTag(tenantId, clusterId)}:seen`;
}
/**
 * When the cluster's heartbeat record began (Redis's clock, ms): set by the first beat or read
 * after the record was lost (a Redis restarted empty, a failover to a replica that had not got
 * the beats), so a reader can tell "not heard from" from "not heard from since the record began".
 */
export function recordSinceKey(tenantId: string, clusterId: string): string {
  return `${clusterTag(tenantId, clusterId)}:since`;
}
export function nodeHeartbeatKey(tenantId: string, clusterId: string, nodeId: string): string {
  return `${clusterTag(tenantId, clusterId)}:n:${nodeId}`;
}

// Redis's own clock stamps every heartbeat, so API replicas with drifting clocks and the detector
// reading the sorted set agree on "now". One script: one round trip and one atomic write per beat.
const NOW_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// The beats of one cluster gathered in one flush (HeartbeatBatch): KEYS = the cluster's sorted set,
// its "since" key, then one hash per beat; ARGV = the retention, then five values per beat. One
// seen time for the whole call: they arrived in the same event-loop turn.
const RECORD_LUA = `if redis.replicate_commands then redis.replicate_commands() end
${NOW_LUA}
local keep = ARGV[1]
local members = {}
for i = 3, #KEYS do
  local a = (i - 3) * 5 + 1
  redis.call('HSET', KEYS[i], 'seenAt', now, 'sentAt', ARGV[a + 2], 'bootTime', ARGV[a + 3], 'checks', ARGV[a + 4], 'agentVersion', ARGV[a + 5])
  redis.call('PEXPIRE', KEYS[i], keep)
  members[#members + 1] = now
  members[#members + 1] = ARGV[a + 1]
end
redis.call('ZADD', KEYS[1], unpack(members))
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('SET', KEYS[2], now, 'NX')
redis.call('PEXPIRE', KEYS[2], keep)
return now`;

// A heartbeat read from the node's hypervisor manager (no agent): the seen time, and the host's boot
// time when the manager gives one (ARGV[2] empty: left as it was, so an agent's own boot time stays
// the only one in BOTH mode and the two never alternate). The agent's checks are left untouched.
const RECORD_MANAGER_LUA = `if redis.replicate_commands then redis.replicate_commands() end
${NOW_LUA}
redis.call('HSET', KEYS[1], 'seenAt', now, 'managerSeenAt', now, 'managerState', ARGV[3])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'bootTime', ARGV[2]) end
if not redis.call('HGET', KEYS[1], 'sentAt') then redis.call('HSET', KEYS[1], 'sentAt', now, 'agentVersion', '') end
if not redis.call('HGET', KEYS[1], 'bootTime') then redis.call('HSET', KEYS[1], 'bootTime', 0) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('SET', KEYS[3], now, 'NX')
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return now`;

const STALE_LUA = `${NOW_LUA}
return {now, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('(%d', now - tonumber(ARGV[1])), 'WITHSCORES')}`;

// The cluster's liveness as placement reads it: now, when the record began (started here if it was
// lost, so a wait for beats that never come is bounded) and every node's last beat.
// Starts the record's "since" key (KEYS[since]) if it was lost; ARGV[1] is the retention.
const START_SINCE_LUA = (since: number): string => `if redis.replicate_commands then redis.replicate_commands() end
${NOW_LUA}
redis.call('SET', KEYS[${since}], now, 'NX', 'PX', ARGV[1])`;

const VIEW_LUA = `${START_SINCE_LUA(2)}
return {now, tonumber(redis.call('GET', KEYS[2])), redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')}`;

const NOW_ONLY_LUA = `${NOW_LUA}
return now`;

// When the cluster's record began, starting it here when it was lost (the detector's loss marker)
const SINCE_LUA = `${START_SINCE_LUA(1)}
return tonumber(redis.call('GET', KEYS[1]))`;

interface ScriptedRedis extends Redis {
  haaasHeartbeatRecord(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  haaasHeartbeatRecordManager(node: string, cluster: string, since: string, nodeId: string, bootTime: string, state: string, retentionMs: number): Promise<number>;
  haaasHeartbeatStale(cluster: string, olderThanMs: number): Promise<[number, string[]]>;
  haaasHeartbeatNow(): Promise<number>;
  haaasHeartbeatView(cluster: string, since: string, retentionMs: number): Promise<[number, number, string[]]>;
  haaasHeartbeatSince(since: string, retentionMs: number): Promise<number>;
}

export interface HeartbeatStoreOptions {
  /** How long a node's last heartbeat is kept after it falls silent (default 7 days). */
  readonly retentionMs?: number;
  /** A flush is written at once when this many beats wait, not at the end of the turn (default 512). */
  readonly batchMaxBeats?: number;
}

/** Beats of one cluster per script call at most (the script's ZADD takes two arguments per beat). */
const MAX_BEATS_PER_CALL = 1000;

/**
 * Node heartbeats in Redis, not MySQL: per node a hash (last seen, sentAt, bootTime, checks,
 * agent version) and per cluster a sorted set of last-seen times, so the detector finds the
 * silent nodes of a cluster with one ZRANGEBYSCORE. Reads take the TenantScope of the caller
 * (the detector acts in the tenant it works for) and see only that tenant's keys.
 */
export class HeartbeatStore {
  private readonly redis: ScriptedRedis;
  private readonly retentionMs: number;
  private readonly batch: HeartbeatBatch;

  constructor(redis: Redis, options: HeartbeatStoreOptions = {}) {
    // the number of keys is given per call (two per cluster plus one per beat)
    redis.defineCommand('haaasHeartbeatRecord', { lua: RECORD_LUA });
    redis.defineCommand('haaasHeartbeatRecordManager', { numberOfKeys: 3, lua: RECORD_MANAGER_LUA });
    redis.defineCommand('haaasHeartbeatView', { numberOfKeys: 2, lua: VIEW_LUA });
    redis.defineCommand('haaasHeartbeatStale', { numberOfKeys: 1, lua: STALE_LUA, readOnly: true });
    redis.defineCommand('haaasHeartbeatNow', { numberOfKeys: 0, lua: NOW_ONLY_LUA, readOnly: true });
    redis.defineCommand('haaasHeartbeatSince', { numberOfKeys: 1, lua: SINCE_LUA });
    this.redis = redis as ScriptedRedis;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
    this.batch = new HeartbeatBatch((group) => this.writeCluster(group), Math.min(MAX_BEATS_PER_CALL, options.batchMaxBeats ?? 512));
  }

  /**
   * Stores a verified node's heartbeat; resolves with the time it was seen (Redis's clock, ms) once
   * it is written. The beats of one event-loop turn are written together, one call per cluster
   * (HeartbeatBatch): a rejection means this beat, and the others of its call, were not stored.
   */
  record(node: NodeAgentIdentity, report: HeartbeatReport): Promise<number> {
    return this.batch.add(node, report);
  }

  private async writeCluster(group: ClusterBeats): Promise<number> {
    const { tenantId, clusterId, beats } = group;
    const keys = [lastSeenKey(tenantId, clusterId), recordSinceKey(tenantId, clusterId)];
    const args: (string | number)[] = [this.retentionMs];
    for (const { nodeId, report } of beats) {
      keys.push(nodeHeartbeatKey(tenantId, clusterId, nodeId));
      args.push(nodeId, report.sentAt, report.bootTime, JSON.stringify(report.checks), report.agentVersion);
    }
    return Number(await this.redis.haaasHeartbeatRecord(keys.length, ...keys, ...args));
  }

  /**
   * Stores a heartbeat the node's hypervisor manager vouched for (vCenter says the host is connected
   * and powered on): the same store and clock as agent heartbeats, so the detector reads one record.
   * `bootTimeMs` only where the manager is the node's only source (see RECORD_MANAGER_LUA).
   */
  async recordManager(node: NodeAgentIdentity, beat: { readonly bootTimeMs: number | null; readonly state: string }): Promise<number> {
    const seenAt = await this.redis.haaasHeartbeatRecordManager(
      nodeHeartbeatKey(node.tenantId, node.clusterId, node.nodeId),
      lastSeenKey(node.tenantId, node.clusterId),
      recordSinceKey(node.tenantId, node.clusterId),
      node.nodeId,
      beat.bootTimeMs === null ? '' : String(Math.round(beat.bootTimeMs)),
      beat.state.slice(0, 64),
      this.retentionMs,
    );
    return Number(seenAt);
  }

  /** Last heartbeat time (ms, Redis's clock) of every node of the cluster that ever sent one. */
  async lastSeen(scope: TenantScope, clusterId: string): Promise<Map<string, number>> {
    const flat = await this.redis.zrange(lastSeenKey(scope.tenantId, clusterId), 0, -1, 'WITHSCORES');
    return pairs(flat);
  }

  /**
   * One consistent read for placement: Redis's clock, when the cluster's heartbeat record began
   * (this read starts it when it was lost or never written) and every node's last heartbeat.
   */
  async view(scope: TenantScope, clusterId: string): Promise<{ readonly nowMs: number; readonly recordSinceMs: number; readonly lastSeenMs: Map<string, number> }> {
    const [now, since, flat] = await this.redis.haaasHeartbeatView(lastSeenKey(scope.tenantId, clusterId), recordSinceKey(scope.tenantId, clusterId), this.retentionMs);
    return { nowMs: Number(now), recordSinceMs: Number(since), lastSeenMs: pairs(flat) };
  }

  /**
   * Nodes of the cluster whose last heartbeat is more than `olderThanMs` old by Redis's clock,
   * with their last-seen times. Nodes that never sent one are not here: the caller knows its nodes.
   */
  async staleSince(scope: TenantScope, clusterId: string, olderThanMs: number): Promise<Map<string, number>> {
    const [, flat] = await this.redis.haaasHeartbeatStale(lastSeenKey(scope.tenantId, clusterId), Math.max(0, Math.floor(olderThanMs)));
    return pairs(flat);
  }

  /**
   * When the cluster's heartbeat record began (Redis's clock, ms), started by this read when it was
   * lost: after Redis lost the records, the time the loss was first noticed (by a beat or a reader).
   */
  async recordSince(scope: TenantScope, clusterId: string): Promise<number> {
    return Number(await this.redis.haaasHeartbeatSince(recordSinceKey(scope.tenantId, clusterId), this.retentionMs));
  }

  /** Redis's clock (ms since the epoch): the clock `seenAt` and `staleSince` use. */
  async now(): Promise<number> {
    return Number(await this.redis.haaasHeartbeatNow());
  }

  /** The last heartbeats of some nodes of a cluster (absent: never heard from, or forgotten). */
  async records(scope: TenantScope, clusterId: string, nodeIds: readonly string[]): Promise<Map<string, HeartbeatRecord>> {
    const out = new Map<string, HeartbeatRecord>();
    if (nodeIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const id of nodeIds) pipeline.hgetall(nodeHeartbeatKey(scope.tenantId, clusterId, id));
    const results = (await pipeline.exec()) ?? [];
    nodeIds.forEach((id, i) => {
      const [err, value] = results[i] ?? [null, null];
      if (err) throw err;
      const record = toRecord(id, value as Record<string, string> | null);
      if (record) out.set(id, record);
    });
    return out;
  }

  /** Drops a node's heartbeats (it left the cluster): the detector stops seeing it at once. */
  async forget(scope: TenantScope, node: { readonly clusterId: string; readonly nodeId: string }): Promise<void> {
    await this.redis
      .multi()
      .del(nodeHeartbeatKey(scope.tenantId, node.clusterId, node.nodeId))
      .zrem(lastSeenKey(scope.tenantId, node.clusterId), node.nodeId)
      .exec();
  }
}

function pairs(flat: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i] as string, Number(flat[i + 1]));
  return out;
}

function toRecord(nodeId: string, h: Record<string, string> | null): HeartbeatRecord | undefined {
  if (!h || h['seenAt'] === undefined) return undefined;
  let checks: HeartbeatReport['checks'] = {};
  try {
    checks = JSON.parse(h['checks'] ?? '{}') as HeartbeatReport['checks'];
  } catch {
    // written by this class from validated input; unreadable only if someone else wrote the key
  }
  return {
    nodeId,
    seenAt: Number(h['seenAt']),
    sentAt: Number(h['sentAt']),
    bootTime: Number(h['bootTime']),
    checks,
    agentVersion: h['agentVersion'] ?? '',
    ...(h['managerSeenAt'] !== undefined ? { managerSeenAt: Number(h['managerSeenAt']), managerState: h['managerState'] ?? '' } : {}),
  };
}
