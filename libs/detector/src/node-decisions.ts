import {
  AgentChecks,
  evaluateClusterHealth,
  initialNodeHealth,
  NodeAction,
  NodeHealthDecision,
  NodeObservation,
  NodeStatus,
} from '@haaas/domain';
import type { NodeEntity } from '@haaas/persistence';
import type { HeartbeatRecord } from '@haaas/heartbeats';
import { AddressRecord, decodeFailureReport, FailureReport, NodeRecord, ProbeRecord } from './node-record.codec';

/*
 * The detector's decisions about one cluster's nodes, as pure functions of what it read: which
 * rows change (and why), which external reports are answered, which nodes to probe, and the
 * records to keep. FailureDetector reads and writes; this decides.
 */

/** Statuses of a declared failure: they stick until the node is fenced or reboots (the domain's rule 3). */
export const UNCLEAN: ReadonlySet<NodeStatus> = new Set([NodeStatus.FAILED, NodeStatus.NETWORK_ISOLATED, NodeStatus.STORAGE_ISOLATED]);

/** A node whose row (status, reason) or log changes, or that is declared failed. */
export interface NodeChange {
  readonly node: NodeEntity;
  readonly prior: NodeRecord;
  readonly decision: NodeHealthDecision;
  readonly reason: string;
  readonly declare: boolean;
  readonly lastHeartbeatAtMs: number | null;
  readonly episodeSinceMs: number;
  readonly source: 'DETECTOR' | 'NOTIFICATION';
}

/** An external failure report that has its answer (logged, then consumed). */
export interface ReportCheck {
  readonly node: NodeEntity;
  readonly report: FailureReport;
  readonly raw: string;
  readonly decision: NodeHealthDecision;
  readonly probe: ProbeRecord | null;
  readonly address: AddressRecord | null;
  readonly heartbeatAgeMs: number | null;
  readonly deadtimeMs: number;
}

export interface ClusterPolicy {
  readonly heartbeatIntervalSeconds: number;
  readonly deadtimeSeconds: number;
}

/** What the detector read of a cluster, for one evaluation. */
export interface ClusterReading {
  readonly nodes: readonly NodeEntity[];
  readonly priors: ReadonlyMap<string, NodeRecord>;
  readonly rawReports: Readonly<Record<string, string>>;
  readonly policy: ClusterPolicy;
}

export interface NodeDecisions {
  readonly changes: NodeChange[];
  readonly checks: ReportCheck[];
  readonly nextRecords: Map<string, NodeRecord>;
  readonly toProbe: NodeEntity[];
}

type ClusterDecision = ReturnType<typeof evaluateClusterHealth>['decisions'][number];

/** Turns the domain's decisions into changes, report checks, probes and the next records. */
export function decideNodes(decisions: readonly ClusterDecision[], reading: ClusterReading, nowMs: number): NodeDecisions {
  const out: NodeDecisions = { changes: [], checks: [], nextRecords: new Map(), toProbe: [] };
  const byId = new Map(reading.nodes.map((n) => [n.id, n]));
  for (const d of decisions) {
    const node = byId.get(d.nodeId) as NodeEntity;
    const prior = reading.priors.get(d.nodeId) as NodeRecord;
    const troubled = d.suspect || UNCLEAN.has(d.status) || d.status === NodeStatus.EXCLUDED;
    const episodeSinceMs = troubled ? (prior.episodeSinceMs ?? nowMs) : null;
    const rawReport = reading.rawReports[d.nodeId];
    const report = decodeFailureReport(rawReport);
    const reportedAtMs = report ? Math.max(report.lastAtMs, prior.reportedAtMs ?? 0) : prior.reportedAtMs;
    out.nextRecords.set(d.nodeId, { health: d.state, probe: prior.probe, address: prior.address, episodeSinceMs, reportedAtMs });
    const change = nodeChange(node, prior, d, reading.policy, { episodeSinceMs: episodeSinceMs ?? nowMs, reportedAtMs });
    if (change) out.changes.push(change);
    if (d.action === NodeAction.PROBE) out.toProbe.push(node);
    if (report && rawReport) {
      const check = reportCheck(node, prior, d, report, rawReport, reading.policy, nowMs);
      if (check) out.checks.push(check);
      else if (!out.toProbe.includes(node)) out.toProbe.push(node);
    }
  }
  return out;
}

/** The change of one node's row or log, or null when nothing it says would change. */
function nodeChange(
  node: NodeEntity,
  prior: NodeRecord,
  d: NodeHealthDecision,
  policy: ClusterPolicy,
  at: { readonly episodeSinceMs: number; readonly reportedAtMs: number | null },
): NodeChange | null {
  const declare = d.action === NodeAction.DECLARE_FAILURE;
  // a declared failure keeps the reason it was declared for (the domain's "stays until fenced" adds nothing)
  const sticky = UNCLEAN.has(d.status) && d.state.declared && !declare && node.status === d.status && node.statusReason;
  const reason = sticky ? (node.statusReason as string) : statusReason(d, prior);
  if (!declare && !d.changed && d.status === node.status && reasonKind(reason) === reasonKind(node.statusReason ?? null)) return null;
  return {
    node,
    prior,
    decision: d,
    reason,
    declare,
    lastHeartbeatAtMs: d.state.lastHeartbeatAtMs,
    episodeSinceMs: at.episodeSinceMs,
    source: reportedAfterLastHeartbeat(at.reportedAtMs, d.state.lastHeartbeatAtMs, policy.heartbeatIntervalSeconds * 1000) ? 'NOTIFICATION' : 'DETECTOR',
  };
}

/**
 * An external report is checked by a probe asked after it, unless nothing is left to decide: the
 * check to log, or null when the node must be probed first.
 */
function reportCheck(node: NodeEntity, prior: NodeRecord, d: NodeHealthDecision, report: FailureReport, raw: string, policy: ClusterPolicy, nowMs: number): ReportCheck | null {
  const settled = d.status === NodeStatus.MAINTENANCE || (UNCLEAN.has(d.status) && d.state.declared) || d.status === NodeStatus.FENCED;
  const answered = prior.probe !== null && prior.probe.atMs >= report.lastAtMs;
  if (!settled && !answered) return null;
  const hb = d.state.lastHeartbeatAtMs;
  return { node, report, raw, decision: d, probe: prior.probe, address: prior.address, heartbeatAgeMs: hb === null ? null : nowMs - hb, deadtimeMs: policy.deadtimeSeconds * 1000 };
}


/** A node the detector has no record of starts from its database status (a declared failure stays declared). */
export function initialRecord(node: NodeEntity, nowMs: number): NodeRecord {
  const health = initialNodeHealth(nowMs, node.status);
  return { health: { ...health, declared: UNCLEAN.has(node.status) }, probe: null, address: null, episodeSinceMs: null, reportedAtMs: null };
}

/** The node was declared failed or fenced (by its record): its last fence matters to the domain. */
export function mayBeFenced(record: NodeRecord): boolean {
  return record.health.declared || UNCLEAN.has(record.health.status) || record.health.status === NodeStatus.FENCED || record.health.status === NodeStatus.OFFLINE;
}

/** The domain's observation of a node from its heartbeat record, its row and the detector's record. */
export function observe(nowMs: number, node: NodeEntity, heartbeat: HeartbeatRecord | undefined, record: NodeRecord, fencedAtMs: number | null, heartbeatRecordSinceMs: number | null = null): NodeObservation {
  // a check the agent does not run (no storage path, no isolation address) is absent, not failed
  const checks: AgentChecks | null = heartbeat
    ? {
        storageWriteOk: heartbeat.checks.storage?.ok ?? true,
        isolationAddressReachable: heartbeat.checks.isolationAddress?.ok ?? true,
        bootTimeMs: heartbeat.bootTime,
      }
    : null;
  return {
    nowMs,
    maintenance: node.maintenance,
    lastHeartbeatAtMs: heartbeat?.seenAt ?? null,
    heartbeatRecordSinceMs,
    checks,
    probe: record.probe ? { atMs: record.probe.atMs, result: record.probe.result } : null,
    checkAddressConfigured: node.checkAddress !== null && node.checkAddress !== '',
    checkAddress: record.address ? { atMs: record.address.atMs, answers: record.address.answers } : null,
    fencedAtMs,
  };
}

/** The status reason stored on the node: the domain's reason, with the second channel's answers when they matter. */
export function statusReason(d: NodeHealthDecision, record: NodeRecord): string {
  const asked = d.suspect || d.status === NodeStatus.EXCLUDED || d.status === NodeStatus.FAILED;
  const extra = asked ? [record.probe?.detail, record.address?.detail].filter((s): s is string => !!s) : [];
  const text = extra.length > 0 ? `${d.reason} (${extra.join('; ')})` : d.reason;
  return text.length > 512 ? `${text.slice(0, 509)}...` : text;
}

/**
 * A reason without its figures ("no heartbeat for 12 s" and "for 13 s" are the same reason): the
 * stored reason is rewritten when what it says changes, not every second.
 */
export function reasonKind(reason: string | null): string {
  return (reason ?? '').replace(/\d+/g, '#');
}

export function reportVerdict(c: ReportCheck): string {
  const who = c.report.sources.join(', ') || 'an external monitor';
  const d = c.decision;
  if (d.status === NodeStatus.MAINTENANCE) return `failure reported by ${who}: the node is in maintenance, nothing is detected`;
  if (UNCLEAN.has(d.status) && d.state.declared) return `failure reported by ${who}: confirmed, the node is declared ${d.status}`;
  if (d.status === NodeStatus.FENCED) return `failure reported by ${who}: the node is fenced already`;
  const probe = c.probe ? `; ${c.probe.detail}` : '';
  if (c.heartbeatAgeMs !== null && !d.suspect && d.status !== NodeStatus.EXCLUDED) {
    return `failure reported by ${who}: not confirmed, last heartbeat ${(c.heartbeatAgeMs / 1000).toFixed(1)} s ago, within the deadtime (${c.deadtimeMs / 1000} s); the detector keeps watching${probe}`;
  }
  if (d.status === NodeStatus.EXCLUDED) return `failure reported by ${who}: not confirmed, the node is alive: ${d.reason}${probe}`;
  return `failure reported by ${who}: being confirmed: ${d.reason}${probe}`;
}

/**
 * An external report is about this failure when it came after the node's last heartbeat (less one
 * interval of slack): earlier ones were contradicted by the heartbeats that followed.
 */
export function reportedAfterLastHeartbeat(reportedAtMs: number | null, lastHeartbeatAtMs: number | null, intervalMs: number): boolean {
  return reportedAtMs !== null && lastHeartbeatAtMs !== null && reportedAtMs >= lastHeartbeatAtMs - intervalMs;
}

/** The cluster's last quorum as the detector stored it; `lost`: a quorum_lost event is outstanding. */
export interface QuorumMemory {
  readonly quorate: boolean;
  readonly lost: boolean;
}

export function parseQuorum(raw: string | undefined): QuorumMemory | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { quorate?: unknown; lost?: unknown };
    return typeof v.quorate === 'boolean' ? { quorate: v.quorate, lost: v.lost === true } : null;
  } catch {
    return null;
  }
}

/**
 * What to log about quorum, once per transition: LOST when a quorate cluster stops being so,
 * REGAINED when it returns after a LOST. A cluster first seen (or whose state Redis lost) is only
 * remembered: a cluster whose agents have not reported yet has not "lost" anything.
 */
export function quorumTransition(previous: QuorumMemory | null, quorate: boolean): { readonly event: 'LOST' | 'REGAINED' | null; readonly next: QuorumMemory } {
  if (previous === null) return { event: null, next: { quorate, lost: false } };
  if (previous.quorate && !quorate) return { event: 'LOST', next: { quorate, lost: true } };
  if (!previous.quorate && quorate) return { event: previous.lost ? 'REGAINED' : null, next: { quorate, lost: false } };
  return { event: null, next: previous };
}

