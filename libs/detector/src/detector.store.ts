import { ClusterState, IncidentState, isTerminal, SystemActor, systemScope, TenantScope } from '@haaas/domain';
import { anyOf, ClusterEntity, IncidentEntity, isDuplicateKey, isNotNull, NodeEntity, Repositories, Store } from '@haaas/persistence';

/** The tenant scope the detector acts with in a tenant (ADR 0008: system components act as admin of the tenant they work for). */
export function detectorScope(tenantId: string): TenantScope {
  return systemScope(tenantId, SystemActor.Detector);
}

// listing tenants is a platform-admin read; the detector reads only ids and counts with it
const DIRECTORY_SCOPE = systemScope('system', SystemActor.Detector);

export const OPEN_INCIDENT_STATES: readonly IncidentState[] = Object.values(IncidentState).filter((s) => !isTerminal(s));

/** A cluster the detector watches, as read when the list was last refreshed (its policy and hypervisor). */
export interface ClusterRef {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly cluster: ClusterEntity;
}

/** A write was refused: the cluster carries a higher detector token, so another detector leads now. */
export class StaleDetectorTokenError extends Error {
  constructor(
    readonly clusterId: string,
    readonly token: number,
    readonly current: number,
  ) {
    super(`detector token ${token} refused on cluster ${clusterId}: it carries ${current}, another detector leads`);
    this.name = 'StaleDetectorTokenError';
  }
}

export interface IncidentDraft {
  readonly clusterId: string;
  readonly nodeId: string;
  readonly idempotencyKey: string;
  readonly source: 'DETECTOR' | 'NOTIFICATION';
  readonly reason: string;
  readonly lastSeenAt: Date | null;
  readonly declaredAt: Date;
  readonly detectorToken: number;
}

/** The detector's reads and fenced writes, on the tenant-scoped repositories of @haaas/persistence. */
export class DetectorStore {
  constructor(readonly store: Store) {}

  /**
   * The tenants that have clusters, and their STARTED clusters (STOPPED and SUSPENDED ones are not
   * watched). A few statements per 500 tenants, plus one per tenant with clusters: the detector
   * calls it every few seconds, not every tick.
   */
  async listClusters(): Promise<{ readonly tenantIds: string[]; readonly started: ClusterRef[]; readonly idle: ClusterRef[] }> {
    const tenantIds: string[] = [];
    const started: ClusterRef[] = [];
    const idle: ClusterRef[] = [];
    const pageSize = 500;
    let after: string | null = null;
    for (;;) {
      const page = await this.store.repos.tenants.list(DIRECTORY_SCOPE, pageSize, after);
      const ids = page.slice(0, pageSize).map((t) => t.id);
      if (ids.length > 0) {
        const usage = await this.store.repos.tenants.usageOf(DIRECTORY_SCOPE, ids);
        for (const id of ids) {
          if ((usage.get(id)?.clusters ?? 0) === 0) continue;
          tenantIds.push(id);
          // STARTED clusters are watched for failures, STOPPED ones only for presence (ONLINE/OFFLINE,
          // so that HA can start); SUSPENDED ones not at all (the whole cluster is in maintenance)
          const clusters = await this.store.repos.clusters.find(detectorScope(id), { state: anyOf([ClusterState.STARTED, ClusterState.STOPPED]) });
          for (const c of clusters) (c.state === ClusterState.STARTED ? started : idle).push({ tenantId: id, clusterId: c.id, cluster: c });
        }
      }
      if (page.length <= pageSize) break;
      after = ids[ids.length - 1] ?? null;
    }
    return { tenantIds, started, idle };
  }

  /** The nodes of a cluster: one statement. */
  nodesOf(scope: TenantScope, clusterId: string): Promise<NodeEntity[]> {
    return this.store.repos.nodes.find(scope, { clusterId });
  }

  /**
   * The last successful fence of each of these nodes (ms), from their incidents: one statement
   * through the (tenant, node, id) index. Only nodes that were declared failed can have one worth
   * reading, so the detector asks for those alone and a healthy cluster costs no such query.
   */
  async lastFences(scope: TenantScope, clusterId: string, nodeIds: readonly string[]): Promise<Map<string, number>> {
    const fencedAtMs = new Map<string, number>();
    if (nodeIds.length === 0) return fencedAtMs;
    const pages = await this.store.repos.incidents.pageByParent(scope, 'nodeId', nodeIds, { first: 1, direction: 'DESC' }, { clusterId, fencedAt: isNotNull() });
    for (const [nodeId, page] of pages) {
      const at = page.rows[0]?.fencedAt;
      if (at) fencedAtMs.set(nodeId, at.getTime());
    }
    return fencedAtMs;
  }

  /**
   * Runs `fn` in one transaction that first takes the cluster's row lock and checks the fencing
   * token: a cluster whose detector_token is above `token` refuses (StaleDetectorTokenError, nothing
   * written); one below it is raised to `token`. This is `UPDATE clusters SET detector_token = :t
   * WHERE id = :c AND detector_token <= :t` as a locked read and a conditional save, through the
   * tenant-scoped repositories; the lock is held until commit, so a detector that took over cannot
   * raise the token between the check and this transaction's writes.
   */
  async fenced<T>(scope: TenantScope, clusterId: string, token: number, fn: (repos: Repositories, cluster: ClusterEntity) => Promise<T>): Promise<T> {
    return this.store.transaction(async (repos) => {
      const cluster = await repos.clusters.lock(scope, clusterId);
      const current = Number(cluster.detectorToken ?? 0);
      if (current > token) throw new StaleDetectorTokenError(clusterId, token, current);
      if (current < token) {
        cluster.detectorToken = String(token);
        await repos.clusters.save(scope, cluster);
      }
      return fn(repos, cluster);
    });
  }

  /** The node's incident that is still being handled, if any. */
  openIncidentOf(repos: Repositories, scope: TenantScope, nodeId: string): Promise<IncidentEntity | null> {
    return repos.incidents.findOne(scope, { nodeId, state: anyOf(OPEN_INCIDENT_STATES) });
  }

  /**
   * Inserts the incident, or returns the one already stored under its idempotency key (unique in
   * MySQL): however many detectors declare the same failure, one row.
   */
  async createIncident(repos: Repositories, scope: TenantScope, d: IncidentDraft): Promise<{ readonly incident: IncidentEntity; readonly created: boolean }> {
    try {
      const incident = await repos.incidents.create(scope, {
        clusterId: d.clusterId,
        nodeId: d.nodeId,
        idempotencyKey: d.idempotencyKey,
        state: IncidentState.DETECTED,
        source: d.source,
        reason: d.reason.slice(0, 1024),
        lastSeenAt: d.lastSeenAt,
        declaredAt: d.declaredAt,
        fencedAt: null,
        finishedAt: null,
        fencing: null,
        detectorToken: String(d.detectorToken),
        openedAt: d.declaredAt,
      });
      return { incident, created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // InnoDB keeps the transaction after a duplicate-key error: read the winner in it
      const existing = await repos.incidents.findOne(scope, { idempotencyKey: d.idempotencyKey });
      if (!existing) throw err;
      return { incident: existing, created: false };
    }
  }

  /** Incidents of a tenant not in a final state (for reconciliation). */
  openIncidents(scope: TenantScope): Promise<IncidentEntity[]> {
    return this.store.repos.incidents.find(scope, { state: anyOf(OPEN_INCIDENT_STATES) });
  }
}
