import type Redis from 'ioredis';
import { ClusterState, NodeStatus, Problems, TenantScope } from '@haaas/domain';
import { appendEvent } from '@haaas/management';
import { anyOf, Store } from '@haaas/persistence';
import { DEFAULT_KEY_PREFIX, failureReportsKey } from './detector.keys';
import { OPEN_INCIDENT_STATES } from './detector.store';
import { decodeFailureReport } from './node-record.codec';

// One report merged into the node's pending one atomically: many monitors (or one repeating itself)
// make one pending report with a count, stamped by Redis's clock like the heartbeats.
const REPORT_LUA = `if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = redis.call('HGET', KEYS[1], ARGV[1])
local r
if current then r = cjson.decode(current) else r = { firstAtMs = now, count = 0, sources = {} } end
if type(r.sources) ~= 'table' then r.sources = {} end
r.lastAtMs = now
r.count = (tonumber(r.count) or 0) + 1
local known = false
for _, s in ipairs(r.sources) do if s == ARGV[2] then known = true end end
if not known and #r.sources < 10 then table.insert(r.sources, ARGV[2]) end
if ARGV[3] ~= '' then r.reason = ARGV[3] end
local out = cjson.encode(r)
redis.call('HSET', KEYS[1], ARGV[1], out)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return out`;

interface ReportRedis extends Redis {
  haaasFailureReport(key: string, nodeId: string, source: string, reason: string, ttlMs: number): Promise<string>;
}

export interface ReportNodeFailure {
  readonly nodeId: string;
  /** Who reports: `pacemaker`, `masakari-hostmonitor`, `zabbix`, ... */
  readonly source: string;
  readonly reason?: string | null;
}

export interface NodeFailureReportResult {
  readonly nodeId: string;
  /** The node's status as the detector last wrote it. */
  readonly status: NodeStatus;
  readonly statusReason: string | null;
  /** The node's cluster is STARTED: the detector watches it and will check the report. */
  readonly monitored: boolean;
  /** Reports of this node not yet checked by the detector, this one included. */
  readonly pendingReports: number;
  /** The node's incident still being handled, if any. */
  readonly incident: { readonly id: string; readonly state: string; readonly declaredAt: Date } | null;
}

export interface FailureReportOptions {
  readonly keyPrefix?: string;
  /** How long an unchecked report waits for a detector (default 10 min). */
  readonly reportTtlMs?: number;
}

const SOURCE = /^[A-Za-z0-9][A-Za-z0-9 ._:/@-]{0,63}$/;

/**
 * Failure notifications from external monitors (Pacemaker alerts, masakari host monitors, any
 * monitoring system). A report declares nothing by itself: it is logged, and it marks the node for
 * the detector, which probes the node through the second channel on its next tick and declares a
 * failure only through the same confirmation as its own detection (docs/detector.md). So many
 * reports, from many monitors, plus the detector's own detection, make one incident.
 */
export class FailureReportService {
  private readonly redis: ReportRedis;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(
    private readonly store: Store,
    redis: Redis,
    options: FailureReportOptions = {},
  ) {
    redis.defineCommand('haaasFailureReport', { numberOfKeys: 1, lua: REPORT_LUA });
    this.redis = redis as ReportRedis;
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.ttlMs = options.reportTtlMs ?? 10 * 60 * 1000;
  }

  async report(scope: TenantScope, input: ReportNodeFailure): Promise<NodeFailureReportResult> {
    const source = input.source.trim();
    const reason = input.reason?.trim() || null;
    const p = new Problems();
    p.check(SOURCE.test(source), 'source', 'must be 1-64 characters: letters, digits, spaces and ._:/@- (starting with a letter or digit)');
    p.check(reason === null || reason.length <= 512, 'reason', 'must be at most 512 characters');
    p.throwIfAny();
    // another tenant's node reads as absent (NOT_FOUND), before anything is written
    const node = await this.store.repos.nodes.get(scope, input.nodeId);
    const cluster = await this.store.repos.clusters.get(scope, node.clusterId);
    // Redis first: a report the detector cannot see must not be logged as received
    const merged = decodeFailureReport(
      await this.redis.haaasFailureReport(failureReportsKey(this.prefix, scope.tenantId, node.clusterId), node.id, source, reason ?? '', this.ttlMs),
    );
    await this.store.transaction((repos) =>
      appendEvent(repos, scope, {
        clusterId: node.clusterId,
        type: 'node.failure_reported',
        objectType: 'Node',
        objectId: node.id,
        nodeId: node.id,
        after: { source, reason, pendingReports: merged?.count ?? 1 },
        message: `${source} reports ${node.hostname} failed${reason ? `: ${reason}` : ''}; the detector checks it`,
      }),
    );
    const incident = await this.store.repos.incidents.findOne(scope, { nodeId: node.id, state: anyOf(OPEN_INCIDENT_STATES) });
    return {
      nodeId: node.id,
      status: node.status,
      statusReason: node.statusReason ?? null,
      monitored: cluster.state === ClusterState.STARTED,
      pendingReports: merged?.count ?? 1,
      incident: incident ? { id: incident.id, state: incident.state, declaredAt: incident.declaredAt } : null,
    };
  }
}
