import { Injectable } from '@nestjs/common';
import {
  applyAttributeChange,
  AttributeChange,
  checkDescription,
  checkName,
  clusterHealth,
  ClusterHealth,
  ClusterPolicy,
  ClusterState,
  checkHeartbeatSource,
  ConflictError,
  HeartbeatSource,
  Hypervisor,
  isHostname,
  BadInputError,
  NodeStatus,
  NotFoundError,
  Problems,
  resolveClusterPolicy,
  TenantScope,
} from '@haaas/domain';
import { ClusterEntity, containing, isDuplicateKey, Page, PageArgs, Store, Where } from '@haaas/persistence';
import { appendEvent, snapshot } from './event-log';
import { QuotaService } from './quota.service';

export interface CreateCluster {
  readonly name: string;
  readonly description?: string | null;
  readonly hypervisor: Hypervisor;
  readonly policy?: Partial<ClusterPolicy>;
  readonly attributes?: AttributeChange['set'];
  /** Default AGENT. */
  readonly heartbeatSource?: HeartbeatSource | null;
}

export interface UpdateCluster {
  readonly id: string;
  readonly description?: string | null;
  readonly policy?: Partial<ClusterPolicy>;
  readonly heartbeatSource?: HeartbeatSource | null;
}

export interface ClusterFilter {
  readonly hypervisor?: Hypervisor | null;
  readonly state?: ClusterState | null;
  readonly nameContains?: string | null;
}

export function policyOf(c: ClusterEntity): ClusterPolicy {
  return {
    heartbeatIntervalSeconds: c.heartbeatIntervalSeconds,
    deadtimeSeconds: c.deadtimeSeconds,
    fencingRequired: c.fencingRequired,
    minHealthyNodes: c.minHealthyNodes,
    failbackStabilisationSeconds: c.failbackStabilisationSeconds,
    fenceRetrySeconds: c.fenceRetrySeconds,
  };
}

@Injectable()
export class ClusterService {
  constructor(
    private readonly store: Store,
    private readonly quota: QuotaService,
  ) {}

  get(scope: TenantScope, id: string): Promise<ClusterEntity> {
    return this.store.repos.clusters.get(scope, id);
  }

  byIds(scope: TenantScope, ids: readonly string[]): Promise<ClusterEntity[]> {
    return this.store.repos.clusters.findByIds(scope, ids);
  }

  page(scope: TenantScope, filter: ClusterFilter, args: PageArgs): Promise<Page<ClusterEntity>> {
    const where: Where<ClusterEntity> = {};
    if (filter.hypervisor) where.hypervisor = filter.hypervisor;
    if (filter.state) where.state = filter.state;
    if (filter.nameContains) where.name = containing(filter.nameContains);
    return this.store.repos.clusters.page(scope, where, args);
  }

  /** The cluster a host name belongs to (node host names are unique within a tenant). */
  async byHost(scope: TenantScope, hostname: string): Promise<ClusterEntity> {
    if (!isHostname(hostname)) throw BadInputError.of('hostname', 'must be a valid host name');
    const node = await this.store.repos.nodes.findOne(scope, { hostname: hostname.toLowerCase() });
    if (!node) throw new NotFoundError('Node with host name', hostname);
    return this.store.repos.clusters.get(scope, node.clusterId);
  }

  async health(scope: TenantScope, clusterId: string): Promise<ClusterHealth> {
    const [statuses] = await this.nodeStatuses(scope, [clusterId]);
    return clusterHealth(statuses ?? []);
  }

  /** Node statuses of many clusters in one statement (one list per id, in the order given). */
  async nodeStatuses(scope: TenantScope, clusterIds: readonly string[]): Promise<NodeStatus[][]> {
    const rows = await this.store.repos.nodes.countGrouped(scope, 'clusterId', clusterIds, 'status');
    const byCluster = new Map<string, NodeStatus[]>();
    for (const r of rows) {
      const list = byCluster.get(r.parent) ?? [];
      for (let i = 0; i < r.count; i++) list.push(r.value as NodeStatus);
      byCluster.set(r.parent, list);
    }
    return clusterIds.map((id) => byCluster.get(id) ?? []);
  }

  async create(scope: TenantScope, input: CreateCluster): Promise<ClusterEntity> {
    const p = new Problems();
    checkName(p, 'name', input.name);
    checkDescription(p, 'description', input.description);
    p.check(Object.values(Hypervisor).includes(input.hypervisor), 'hypervisor', 'unknown hypervisor');
    checkHeartbeatSource(p, 'heartbeatSource', input.hypervisor, input.heartbeatSource);
    const policy = p.absorb(() => resolveClusterPolicy(input.policy));
    const attributes = p.absorb(() => applyAttributeChange({}, { set: input.attributes ?? [] }));
    p.throwIfAny();
    if (!policy || !attributes) throw new Error('unreachable: validation passed without a result');
    return this.store.transaction(async (repos) => {
      await this.quota.check(repos, scope, 'clusters');
      if (await repos.clusters.exists(scope, { name: input.name })) {
        throw new ConflictError(`a cluster named "${input.name}" already exists`, { name: input.name });
      }
      const cluster = await repos.clusters
        .create(scope, {
          name: input.name,
          description: input.description ?? null,
          hypervisor: input.hypervisor,
          state: ClusterState.STOPPED,
          ...policy,
          heartbeatSource: input.heartbeatSource ?? HeartbeatSource.AGENT,
          attributes,
        })
        .catch((err: unknown) => {
          if (isDuplicateKey(err)) throw new ConflictError(`a cluster named "${input.name}" already exists`);
          throw err;
        });
      await appendEvent(repos, scope, {
        clusterId: cluster.id,
        type: 'cluster.created',
        objectType: 'Cluster',
        objectId: cluster.id,
        after: snapshot(cluster),
      });
      return cluster;
    });
  }

  async update(scope: TenantScope, input: UpdateCluster): Promise<ClusterEntity> {
    return this.store.transaction(async (repos) => {
      const cluster = await repos.clusters.lock(scope, input.id);
      const before = snapshot(cluster);
      const p = new Problems();
      checkDescription(p, 'description', input.description);
      checkHeartbeatSource(p, 'heartbeatSource', cluster.hypervisor, input.heartbeatSource);
      const policy = p.absorb(() => resolveClusterPolicy(input.policy, policyOf(cluster)));
      p.throwIfAny();
      Object.assign(cluster, policy);
      if (input.heartbeatSource) cluster.heartbeatSource = input.heartbeatSource;
      if (input.description !== undefined) cluster.description = input.description;
      const saved = await repos.clusters.save(scope, cluster);
      await appendEvent(repos, scope, {
        clusterId: saved.id,
        type: 'cluster.updated',
        objectType: 'Cluster',
        objectId: saved.id,
        before,
        after: snapshot(saved),
      });
      return saved;
    });
  }

  async setAttributes(scope: TenantScope, id: string, change: AttributeChange): Promise<ClusterEntity> {
    return this.store.transaction(async (repos) => {
      const cluster = await repos.clusters.lock(scope, id);
      const before = { attributes: cluster.attributes };
      cluster.attributes = { ...applyAttributeChange(cluster.attributes, change) };
      const saved = await repos.clusters.save(scope, cluster);
      await appendEvent(repos, scope, {
        clusterId: id,
        type: 'cluster.attributes_changed',
        objectType: 'Cluster',
        objectId: id,
        before,
        after: { attributes: saved.attributes },
      });
      return saved;
    });
  }

  /**
   * Destroys a cluster. While it has nodes or services that is a CONFLICT, unless forced; forcing
   * removes everything in it (the database cascades), including its log.
   */
  async destroy(scope: TenantScope, id: string, force: boolean): Promise<ClusterEntity> {
    return this.store.transaction(async (repos) => {
      const cluster = await repos.clusters.lock(scope, id);
      if (!force) {
        const [nodes, services] = await Promise.all([repos.nodes.count(scope, { clusterId: id }), repos.services.count(scope, { clusterId: id })]);
        if (nodes > 0 || services > 0) {
          throw new ConflictError(`cluster "${cluster.name}" still has ${nodes} node(s) and ${services} service(s); remove them or pass force: true`, {
            nodes,
            services,
          });
        }
      }
      await repos.clusters.delete(scope, { id });
      return cluster;
    });
  }
}
