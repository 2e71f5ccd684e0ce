import { Inject, Injectable } from '@nestjs/common';
import {
  applyIncidentEvent,
  FenceFailurePolicy,
  FencingAssociation,
  Incident,
  IncidentEvent,
  IncidentState,
  isTerminal,
  NodeStatus,
  planRecovery,
  RecoveryPlan,
  ServiceRecovery,
  ServiceRecoveryState,
  SystemActor,
  systemScope,
  TenantScope,
} from '@haaas/domain';
import { appendEvents, EventDraft } from '@haaas/management';
import { anyOf, IncidentEntity, Repositories, ServiceEntity, Store } from '@haaas/persistence';
import { ClusterView, loadClusterView } from '@haaas/engine-runtime';
import { applyIncidentToRow, FenceDetails, hydrateIncident, isIncidentRecordJson, RECOVERY_COLUMNS, recoveryChanged, recoveryRowFields, RecoveryRow, ServicePolicyFacts } from './incident.codec';
import { LocalCache } from '@haaas/cache';
import { NODE_LIVENESS } from '@haaas/engine-runtime';
import type { NodeLiveness } from '@haaas/engine-runtime';
import { RecentRecoveries } from './recent-recoveries.cache';
import { incidentEntries, ServiceRowChange, serviceSteps } from './incident-log';
import { RECOVERY_OPTIONS } from '@haaas/engine-runtime';
import type { ResolvedRecoveryOptions } from '@haaas/engine-runtime';

/** The incident as the rows say now, with what the plan needs while recovery has not begun. */
export interface IncidentSnapshot {
  readonly row: IncidentEntity;
  readonly incident: Incident;
  readonly recoveries: readonly RecoveryRow[];
  /** The cluster as it is now: read for the plan (before recovery) and for placement. */
  readonly view: ClusterView | null;
  /** The plan from the current rows, while no service recovery row exists; null afterwards. */
  readonly plan: RecoveryPlan | null;
}

/**
 * What a read needs beyond the incident and its service recovery rows. `view`: the whole cluster
 * (placement, quorum). `policiesOf`: the step concerns this one service only, so only its policy
 * row is read (the other services hydrate with maxRelocations 0, which only a relocation decision
 * of their own would read); without it every service row of the incident is read.
 */
export interface SnapshotNeeds {
  readonly view?: boolean;
  readonly policiesOf?: string;
  /**
   * The step places this service: the cluster as read at most `placementViewMaxAgeMs` ago by this
   * process for this incident, with the targets the incident has chosen since (exact: from its rows).
   */
  readonly placementOf?: string;
}

/** What a step decided: domain events to apply in order, and facts to record with them. */
export interface IncidentDecision {
  readonly events: readonly IncidentEvent[];
  /** Per `level/deviceId`: what the fence agent said (kept in incidents.fencing, shown in the event). */
  readonly fenceDetails?: FenceDetails;
  /** Per service: extra fields for the events of its transitions (candidates, errors, decisions). */
  readonly serviceNotes?: ReadonlyMap<string, Record<string, unknown>>;
}

export interface IncidentTransition {
  readonly before: Incident;
  readonly after: Incident;
  readonly changed: boolean;
  /** Guards that refused an event (the event was stale or not allowed), for the caller to log or reload. */
  readonly refused: readonly string[];
  /** With `deferEvents`: the log entries of the step, for the caller to append later in the same transaction. */
  readonly events?: readonly EventDraft[];
}

/** Recovery states in which the service is on, or bound for, its target node. */
const BOUND_FOR_TARGET: ReadonlySet<string> = new Set([ServiceRecoveryState.STARTING, ServiceRecoveryState.RETRYING, ServiceRecoveryState.RUNNING]);

const IN_FLIGHT: ReadonlySet<ServiceRecoveryState> = new Set([ServiceRecoveryState.PLACING, ServiceRecoveryState.STARTING, ServiceRecoveryState.RETRYING]);

export function isInFlight(s: ServiceRecovery): boolean {
  return IN_FLIGHT.has(s.state);
}

/** The scope a recovery worker acts with: the tenant it works for, as a system actor. */
export function recoveryScope(tenantId: string): TenantScope {
  return systemScope(tenantId, SystemActor.Recovery);
}

/**
 * The incident's state in MySQL, changed only through the domain's incident machine. A change
 * locks the incident row (SELECT ... FOR UPDATE), reads it with its service recovery rows,
 * applies the domain events, and writes back every changed row with one event per step in the
 * same transaction, so the cluster log and the state never disagree and concurrent service jobs
 * of one incident change it one at a time. Lock order everywhere: incident, then service, then
 * resource rows.
 */
@Injectable()
export class IncidentLedger {
  private readonly recent = new RecentRecoveries();
  /** The cluster as last read for placing an incident's services, by incident (see placementView); a worker recovers a few at a time. */
  private readonly placementViews: LocalCache<ClusterView>;
  /** Host names of a cluster's nodes for the log's messages, by cluster. */
  private readonly hostnameCache = new LocalCache<ReadonlyMap<string, string>>(10_000, 256);

  constructor(
    private readonly store: Store,
    @Inject(RECOVERY_OPTIONS) private readonly options: ResolvedRecoveryOptions,
    @Inject(NODE_LIVENESS) private readonly liveness: NodeLiveness,
  ) {
    this.placementViews = new LocalCache(options.placementViewMaxAgeMs, 16);
  }

  /** The incident as the rows say now (no lock). */
  read(scope: TenantScope, incidentId: string, needs: SnapshotNeeds = {}): Promise<IncidentSnapshot> {
    return this.snapshot(this.store.repos, scope, incidentId, false, needs);
  }

  /**
   * One service's recovery and the incident's state as the rows say now (no lock): what a service
   * job checks before each step, without reading (and hydrating) the incident's other recoveries.
   * Only a check: every change goes through `apply`, which reads the whole incident under its lock.
   */
  async readService(scope: TenantScope, incidentId: string, serviceId: string): Promise<{ readonly state: IncidentState; readonly service: ServiceRecovery | null }> {
    const repos = this.store.repos;
    const row = await repos.incidents.get(scope, incidentId);
    const kept = this.recent.get(incidentId, row.version);
    const recoveries = kept ? kept.filter((r) => r.serviceId === serviceId) : await repos.serviceRecoveries.select(scope, { incidentId, serviceId }, RECOVERY_COLUMNS);
    if (recoveries.length === 0) return { state: row.state as IncidentState, service: null };
    const json = isIncidentRecordJson(row.fencing) ? row.fencing : null;
    const incident = hydrateIncident({
      row,
      recoveries,
      plan: emptyPlan(row.nodeId, json?.required ?? true, this.options.recovery.parallelism),
      // the relocation budget is not part of the check (every decision reads it under the lock)
      policies: new Map(),
      retry: this.options.retry,
      parallelism: this.options.recovery.parallelism,
    });
    return { state: incident.state, service: incident.services.find((x) => x.serviceId === serviceId) ?? null };
  }

  /** Decides and applies in one transaction (see the class comment). */
  apply(scope: TenantScope, incidentId: string, decide: (snapshot: IncidentSnapshot, repos: Repositories) => Promise<IncidentDecision>, needs: SnapshotNeeds = {}): Promise<IncidentTransition> {
    return this.store.transaction((repos) => this.applyIn(repos, scope, incidentId, decide, needs));
  }

  /** The same inside a transaction the caller runs (e.g. the one recording that a service runs). */
  async applyIn(
    repos: Repositories,
    scope: TenantScope,
    incidentId: string,
    decide: (snapshot: IncidentSnapshot, repos: Repositories) => Promise<IncidentDecision>,
    needs: SnapshotNeeds = {},
    /** Return the step's events instead of appending them (the caller logs its own first: see ServiceRunner's onStarted). */
    options: { readonly deferEvents?: boolean } = {},
  ): Promise<IncidentTransition> {
    const snap = await this.snapshot(repos, scope, incidentId, true, needs);
    const decision = await decide(snap, repos);
    const before = snap.incident;
    let after = before;
    const refused: string[] = [];
    const applied: IncidentEvent[] = [];
    for (const event of decision.events) {
      const t = applyIncidentEvent(after, event);
      if (!t.ok) refused.push(t.error);
      else if (t.changed) {
        after = t.incident;
        applied.push(event);
      }
    }
    if (applied.length === 0) return { before, after: before, changed: false, refused };
    const events = await this.persist(repos, scope, snap, after, applied, decision);
    if (!options.deferEvents) await appendEvents(repos, scope, events);
    return { before, after, changed: true, refused, ...(options.deferEvents ? { events } : {}) };
  }

  private async snapshot(repos: Repositories, scope: TenantScope, incidentId: string, lock: boolean, needs: SnapshotNeeds): Promise<IncidentSnapshot> {
    const row = lock ? await repos.incidents.lock(scope, incidentId) : await repos.incidents.get(scope, incidentId);
    // plain rows, or the ones this process committed at this very version: this runs under the
    // incident's lock for every step of every service, and reading a thousand rows each time was
    // most of a large recovery's cost
    const recoveries = this.recent.get(incidentId, row.version) ?? (await repos.serviceRecoveries.select(scope, { incidentId }, RECOVERY_COLUMNS));
    const json = isIncidentRecordJson(row.fencing) ? row.fencing : null;
    const needPlan = recoveries.length === 0 && !isTerminal(row.state as IncidentState);
    const view =
      needPlan || needs.view
        ? await loadClusterView(repos, scope, row.clusterId, this.liveness)
        : needs.placementOf !== undefined
          ? await this.placementView(repos, scope, row, recoveries)
          : null;
    let plan: RecoveryPlan | null = null;
    let policies: Map<string, ServicePolicyFacts>;
    if (needPlan && view) {
      const associations = await repos.fencingAssociations.find(scope, { nodeId: row.nodeId });
      const fencing: FencingAssociation[] = associations.map((a) => ({ deviceId: a.deviceId, level: a.level }));
      plan = planRecovery({
        failedNodeId: row.nodeId,
        nodes: view.placementNodes(),
        services: view.servicesOn(row.nodeId).map((s) => view.recoveryService(s)),
        fencing,
        policy: { fencingRequired: view.cluster.fencingRequired },
        settings: this.options.recovery,
      });
      policies = new Map(view.services.map((s) => [s.id, { maxRelocations: s.maxRelocations }]));
    } else {
      // one service's step reads one service row, not the incident's thousand (each read was O(N))
      const one = needs.placementOf ?? needs.policiesOf;
      const ids = one !== undefined ? [one] : recoveries.map((r) => r.serviceId);
      const services = view ? [...view.services] : await repos.services.select(scope, { id: anyOf(ids) }, ['id', 'maxRelocations']);
      policies = new Map(services.map((s) => [s.id, { maxRelocations: s.maxRelocations }]));
    }
    const incident = hydrateIncident({
      row,
      recoveries,
      plan: plan ?? emptyPlan(row.nodeId, json?.required ?? true, this.options.recovery.parallelism),
      policies,
      retry: this.options.retry,
      parallelism: this.options.recovery.parallelism,
    });
    return { row, incident, recoveries, view, plan };
  }

  /**
   * The cluster for placing one of the incident's services. Reading the whole cluster for every
   * placement was most of the incident lock's time in large recoveries (9 ms a placement at 1,000
   * services, all serialised), so it is read at most every `placementViewMaxAgeMs` (1 s) per
   * incident, and what the incident itself decided since then (targets of its recoveries under way
   * or done, read from its rows under the lock) is added to it: its own placements are always
   * counted; other changes to the cluster (an operator's relocation meanwhile) count from the next
   * read, at most that much later.
   */
  private async placementView(repos: Repositories, scope: TenantScope, row: IncidentEntity, recoveries: readonly RecoveryRow[]): Promise<ClusterView> {
    const view = await this.placementViews.get(row.id, () => loadClusterView(repos, scope, row.clusterId, this.liveness));
    const targets = new Map<string, string[]>();
    for (const r of recoveries) if (r.targetNodeId && BOUND_FOR_TARGET.has(r.state)) targets.set(r.serviceId, [r.targetNodeId]);
    return view.withTargets(targets);
  }

  /** Host names of a cluster's nodes for the log's messages, read at most every 10 s per cluster. */
  private hostnames(repos: Repositories, scope: TenantScope, clusterId: string): Promise<ReadonlyMap<string, string>> {
    return this.hostnameCache.get(`${scope.tenantId}/${clusterId}`, async () => new Map((await repos.nodes.select(scope, { clusterId }, ['id', 'hostname'])).map((n) => [n.id, n.hostname])));
  }

  /** Writes the transition's rows and returns its log entries, in order (the caller appends them). */
  private async persist(repos: Repositories, scope: TenantScope, snap: IncidentSnapshot, after: Incident, applied: readonly IncidentEvent[], decision: IncidentDecision): Promise<EventDraft[]> {
    const { row } = snap;
    const before = snap.incident;
    const { events, closing } = incidentEntries(row, snap.plan, !isIncidentRecordJson(row.fencing), before, after, applied, decision.fenceDetails);
    // the node is fenced: say so on the node itself
    if (before.fencing.fencedBy === null && after.fencing.fencedBy !== null) await this.markFenced(repos, scope, row, after, events);
    // the incident row: always written, so its version counts every change of the incident's rows
    applyIncidentToRow(after, row, decision.fenceDetails);
    await repos.incidents.update(scope, row.id, { state: row.state, reason: row.reason, fencedAt: row.fencedAt, finishedAt: row.finishedAt, fencing: row.fencing });
    const serviceRows = await this.writeRecoveries(repos, scope, snap, after, applied, decision, events);
    // the services' new states, one statement per distinct (state, node): a thousand at recovery's start
    const byChange = new Map<string, { state: ServiceEntity['state']; currentNodeId: string | null; ids: string[] }>();
    for (const svc of serviceRows.values()) {
      if (!svc?.changed) continue;
      const key = `${svc.state}/${svc.currentNodeId ?? ''}`;
      const group = byChange.get(key) ?? { state: svc.state, currentNodeId: svc.currentNodeId, ids: [] };
      group.ids.push(svc.id);
      byChange.set(key, group);
    }
    for (const g of byChange.values()) await repos.services.updateWhere(scope, { id: anyOf(g.ids) }, { state: g.state, currentNodeId: g.currentNodeId });
    if (closing !== null) events.push(...events.splice(closing, 1));
    return events;
  }

  private async markFenced(repos: Repositories, scope: TenantScope, row: IncidentEntity, after: Incident, events: EventDraft[]): Promise<void> {
    const node = await repos.nodes.findById(scope, row.nodeId);
    if (!node) return;
    const was = node.status;
    node.status = NodeStatus.FENCED;
    node.statusReason = after.fencing.fencedBy === 'OPERATOR' ? `confirmed off by ${after.fencing.confirmedBy} (incident ${row.id})` : `fenced by incident ${row.id}`;
    node.statusChangedAt = new Date();
    await repos.nodes.save(scope, node);
    events.push({ clusterId: row.clusterId, type: 'node.fenced', objectType: 'Node', objectId: node.id, nodeId: node.id, before: { status: was }, after: { status: node.status, incidentId: row.id, fencedBy: after.fencing.fencedBy }, message: node.statusReason });
  }

  /**
   * Service recoveries: rows from the moment recovery begins, then only the changed ones, with
   * their events; returns the service rows the transitions set (locked, written by the caller).
   */
  private async writeRecoveries(repos: Repositories, scope: TenantScope, snap: IncidentSnapshot, after: Incident, applied: readonly IncidentEvent[], decision: IncidentDecision, events: EventDraft[]): Promise<Map<string, ServiceRowChange | null>> {
    const { row } = snap;
    const version = row.version + 1;
    const recovering = after.timings.recoveryStartedAtMs !== null;
    const existing = new Map(snap.recoveries.map((r) => [r.serviceId, r]));
    const beforeById = new Map(snap.incident.services.map((s) => [s.serviceId, s]));
    const serviceRows = await this.serviceRowsOf(repos, scope, snap, after);
    const serviceRow = async (id: string): Promise<ServiceRowChange | null> => {
      if (!serviceRows.has(id)) {
        const locked = await repos.services.lockIfExists(scope, id);
        serviceRows.set(id, locked ? { id, state: locked.state, currentNodeId: locked.currentNodeId, changed: false } : null);
      }
      return serviceRows.get(id) ?? null;
    };
    const inserts: Parameters<typeof repos.serviceRecoveries.insertMany>[1][number][] = [];
    const rows = new Map<string, RecoveryRow>(snap.recoveries.map((r) => [r.serviceId, r]));
    const hostnames = recovering ? await this.hostnames(repos, scope, row.clusterId) : new Map<string, string>();
    for (const s of recovering ? after.services : []) {
      const prev = existing.get(s.serviceId);
      const was = beforeById.get(s.serviceId);
      // the machine keeps an untouched service's object: nothing to write or log for it (a step
      // changes one service of a thousand, and comparing every row was O(N) under the lock)
      if (prev && was === s) continue;
      if (!prev) {
        inserts.push({ incidentId: row.id, serviceId: s.serviceId, ...recoveryRowFields(s) });
      } else if (!was || recoveryChanged(was, s)) {
        const fields = recoveryRowFields(s);
        await repos.serviceRecoveries.update(scope, prev.id, fields);
        rows.set(s.serviceId, { id: prev.id, serviceId: s.serviceId, ...fields });
      }
      const ctx = { row, applied, notes: decision.serviceNotes?.get(s.serviceId) ?? {}, serviceRow, events, hostnames };
      await serviceSteps(ctx, !prev ? null : (was ?? null), s);
    }
    // a thousand rows when recovery begins: inserted in a few statements, not one each
    const insertedIds = await repos.serviceRecoveries.insertMany(scope, inserts);
    inserts.forEach(({ incidentId: _incident, ...fields }, i) => rows.set(fields.serviceId, { ...fields, id: insertedIds[i] ?? '' }));
    const committed = [...rows.values()];
    repos.afterCommit.run(() => this.recent.put(row.id, version, committed));
    return serviceRows;
  }

  /** The services whose state a transition sets, locked (lock order: incident, then services); all of them in one statement when recovery begins. */
  private async serviceRowsOf(repos: Repositories, scope: TenantScope, snap: IncidentSnapshot, after: Incident): Promise<Map<string, ServiceRowChange | null>> {
    const serviceRows = new Map<string, ServiceRowChange | null>();
    if (after.timings.recoveryStartedAtMs === null || snap.recoveries.length > 0) return serviceRows;
    // recovery begins: every service of the failed host changes state
    for (const svc of await repos.services.lockMany(scope, after.services.map((x) => x.serviceId))) {
      serviceRows.set(svc.id, { id: svc.id, state: svc.state, currentNodeId: svc.currentNodeId, changed: false });
    }
    for (const x of after.services) if (!serviceRows.has(x.serviceId)) serviceRows.set(x.serviceId, null);
    return serviceRows;
  }
}

function emptyPlan(nodeId: string, required: boolean, parallelism: number): RecoveryPlan {
  return {
    failedNodeId: nodeId,
    quorum: { totalNodes: 0, healthyNodes: 0, quorum: 1, quorate: false },
    fencing: { nodeId, required, levels: [], onFailure: required ? FenceFailurePolicy.AWAIT_OPERATOR : FenceFailurePolicy.PROCEED_UNFENCED, summary: '' },
    blockers: [],
    services: [],
    waves: [],
    parallelism,
    counts: { start: 0, skip: 0, willFail: 0 },
  };
}
