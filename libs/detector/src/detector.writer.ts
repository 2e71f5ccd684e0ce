import { NotFoundError, QuorumReport, TenantScope } from '@haaas/domain';
import { appendEvent } from '@haaas/management';
import type { IncidentEntity, NodeEntity, Repositories } from '@haaas/persistence';
import { ClusterRef, DetectorStore } from './detector.store';
import { incidentIdempotencyKey } from './incident-key';
import { NodeChange, reasonKind, ReportCheck, reportVerdict } from './node-decisions';

/** What one evaluation wrote: nodes skipped (changed elsewhere), incidents to drive, and which of them again. */
export interface WriteOutcome {
  readonly skipped: Set<string>;
  readonly incidents: IncidentEntity[];
  readonly redrive: Set<string>;
}

/** What the detector decided about one cluster, to be written in one fenced transaction. */
export interface ClusterWrite {
  readonly ref: ClusterRef;
  readonly token: number;
  readonly nowMs: number;
  readonly changes: readonly NodeChange[];
  readonly checks: readonly ReportCheck[];
  readonly quorum: QuorumReport | null;
}

/** Counters the writer adds to (the detector's stats). */
export interface WriteCounters {
  statusChanges: number;
  incidentsOpened: number;
}

/**
 * The MySQL side of an evaluation: node rows, incidents and the cluster log, in the transaction the
 * detector's fencing token guards (DetectorStore.fenced). One method per step of the write.
 */
export class DetectorWriter {
  constructor(
    private readonly db: DetectorStore,
    private readonly counters: WriteCounters,
  ) {}

  async write(repos: Repositories, scope: TenantScope, w: ClusterWrite): Promise<WriteOutcome> {
    const out: WriteOutcome = { skipped: new Set(), incidents: [], redrive: new Set() };
    // rows in id order: two writers locking the same nodes lock them in the same order
    for (const c of [...w.changes].sort((a, b) => (a.node.id < b.node.id ? -1 : 1))) {
      const row = await this.lockUnchanged(repos, scope, w.ref, c);
      if (!row) {
        out.skipped.add(c.node.id);
        continue;
      }
      await this.writeStatus(repos, scope, w, c, row);
      if (c.declare) await this.declare(repos, scope, w, c, row, out);
    }
    for (const check of w.checks) if (!out.skipped.has(check.node.id)) await this.logCheck(repos, scope, w.ref, check);
    if (w.quorum) await this.logQuorum(repos, scope, w.ref, w.quorum);
    return out;
  }

  /**
   * The node's row, locked; null when the node left, moved, an operator toggled maintenance, or
   * another writer (recovery: FENCED; operations) changed its status since it was read: decided
   * again with fresh data next tick.
   */
  private async lockUnchanged(repos: Repositories, scope: TenantScope, ref: ClusterRef, c: NodeChange): Promise<NodeEntity | null> {
    const row = await repos.nodes.lock(scope, c.node.id).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    const changedElsewhere = row !== null && row.status !== c.node.status && row.status !== c.decision.status;
    if (!row || row.clusterId !== ref.clusterId || row.maintenance !== c.node.maintenance || changedElsewhere) return null;
    return row;
  }

  /** Saves the new status and reason, and logs the change when what it says changed. */
  private async writeStatus(repos: Repositories, scope: TenantScope, w: ClusterWrite, c: NodeChange, row: NodeEntity): Promise<void> {
    const d = c.decision;
    const before = { status: row.status, suspect: c.prior.health.suspect, reason: row.statusReason ?? null };
    const statusChanged = row.status !== d.status;
    if (statusChanged || row.statusReason !== c.reason) {
      row.status = d.status;
      row.statusReason = c.reason;
      if (statusChanged) row.statusChangedAt = new Date(w.nowMs);
      await repos.nodes.save(scope, row);
    }
    if (!statusChanged && before.suspect === d.suspect && reasonKind(before.reason) === reasonKind(c.reason)) return;
    this.counters.statusChanges += 1;
    await appendEvent(repos, scope, {
      clusterId: w.ref.clusterId,
      type: 'node.status_changed',
      objectType: 'Node',
      objectId: row.id,
      nodeId: row.id,
      before,
      after: { status: d.status, suspect: d.suspect, reason: c.reason },
      message: statusChanged
        ? `${before.status} → ${d.status}: ${c.reason}`
        : before.suspect !== d.suspect
          ? `${d.status}, ${d.suspect ? 'suspect' : 'no longer suspect'}: ${c.reason}`
          : `${d.status}: ${c.reason}`,
    });
  }

  /** A declared failure: added to the node's open incident, or a new incident (once per failure). */
  private async declare(repos: Repositories, scope: TenantScope, w: ClusterWrite, c: NodeChange, row: NodeEntity, out: WriteOutcome): Promise<void> {
    const open = await this.db.openIncidentOf(repos, scope, row.id);
    if (open) {
      // the node failed (again) while its incident is open: the failure is added to it and the
      // incident is driven again (from its row version), never dropped as a duplicate job
      out.incidents.push(open);
      out.redrive.add(open.id);
      await appendEvent(repos, scope, {
        clusterId: w.ref.clusterId,
        type: 'incident.failed_again',
        objectType: 'Incident',
        objectId: open.id,
        nodeId: row.id,
        after: { incidentId: open.id, state: open.state, reason: c.reason },
        message: `${row.hostname} declared failed while its incident ${open.id} is ${open.state}: added to it (${c.reason})`,
      });
      return;
    }
    const { incident, created } = await this.db.createIncident(repos, scope, {
      clusterId: w.ref.clusterId,
      nodeId: row.id,
      idempotencyKey: incidentIdempotencyKey(w.ref.clusterId, row.id, c.lastHeartbeatAtMs ?? c.episodeSinceMs),
      source: c.source,
      reason: c.reason,
      lastSeenAt: c.lastHeartbeatAtMs === null ? null : new Date(c.lastHeartbeatAtMs),
      declaredAt: new Date(w.nowMs),
      detectorToken: w.token,
    });
    out.incidents.push(incident);
    if (created) await this.logOpened(repos, scope, w, c, row, incident);
  }

  private async logOpened(repos: Repositories, scope: TenantScope, w: ClusterWrite, c: NodeChange, row: NodeEntity, incident: IncidentEntity): Promise<void> {
    this.counters.incidentsOpened += 1;
    const timings = {
      lastSeenAt: incident.lastSeenAt?.toISOString() ?? null,
      detectedAt: new Date(c.episodeSinceMs).toISOString(),
      declaredAt: incident.declaredAt.toISOString(),
    };
    await appendEvent(repos, scope, {
      clusterId: w.ref.clusterId,
      type: 'incident.opened',
      objectType: 'Incident',
      objectId: incident.id,
      nodeId: row.id,
      after: { state: incident.state, source: incident.source, reason: incident.reason, idempotencyKey: incident.idempotencyKey, detectorToken: w.token, ...timings },
      message: `incident opened for ${row.hostname}: ${c.reason}`,
    });
    await appendEvent(repos, scope, {
      clusterId: w.ref.clusterId,
      type: 'node.failed',
      objectType: 'Node',
      objectId: row.id,
      nodeId: row.id,
      after: { status: c.decision.status, incidentId: incident.id, reason: c.reason, ...timings },
      message: `${row.hostname} declared ${c.decision.status}: ${c.reason}`,
    });
  }

  private async logCheck(repos: Repositories, scope: TenantScope, ref: ClusterRef, check: ReportCheck): Promise<void> {
    await appendEvent(repos, scope, {
      clusterId: ref.clusterId,
      type: 'node.failure_report_checked',
      objectType: 'Node',
      objectId: check.node.id,
      nodeId: check.node.id,
      after: {
        reports: check.report.count,
        sources: check.report.sources,
        status: check.decision.status,
        suspect: check.decision.suspect,
        heartbeatAgeMs: check.heartbeatAgeMs,
        probe: check.probe ? { result: check.probe.result, detail: check.probe.detail } : null,
        checkAddress: check.address ? { answers: check.address.answers, detail: check.address.detail } : null,
      },
      message: reportVerdict(check),
    });
  }

  private async logQuorum(repos: Repositories, scope: TenantScope, ref: ClusterRef, quorum: QuorumReport): Promise<void> {
    await appendEvent(repos, scope, {
      clusterId: ref.clusterId,
      type: quorum.quorate ? 'cluster.quorum_regained' : 'cluster.quorum_lost',
      objectType: 'Cluster',
      objectId: ref.clusterId,
      after: { healthyNodes: quorum.healthyNodes, quorum: quorum.quorum, totalNodes: quorum.totalNodes },
      message: quorum.quorate
        ? `quorum regained: ${quorum.healthyNodes} of ${quorum.totalNodes} nodes healthy (${quorum.quorum} needed)`
        : `quorum lost: ${quorum.healthyNodes} of ${quorum.totalNodes} nodes healthy, ${quorum.quorum} needed; no failure is declared until an operator acts or nodes return`,
    });
  }
}
