import { Injectable } from '@nestjs/common';
import {
  applyAttributeChange,
  AttributeChange,
  BadInputError,
  checkIntRange,
  checkName,
  ConflictError,
  NotFoundError,
  Problems,
  resolveServicePolicy,
  ServiceState,
  TenantScope,
} from '@haaas/domain';
import type { ServicePolicy } from '@haaas/domain';
import { atLeast, containing, isDuplicateKey, Page, PageArgs, Repositories, ResourceEntity, ServiceEntity, Store, Where } from '@haaas/persistence';
import { appendEvent, snapshot } from '../event-log';
import { QuotaService } from '../quota.service';
import {
  AT_REST_STATES,
  byPosition,
  checkDistinct,
  collectProblems,
  insertAt,
  policyOfService,
  positionChanges,
  removeFrom,
  ServiceRowFilter,
  TRANSITIONAL_STATES,
} from './service-groups.rules';
import type { AddServiceResource, CreateService, ServiceFilter, UpdateServicePolicy } from './service-group.inputs';

const MAX_POSITION = 100_000;
const MAX_SERVICE_PRIORITY = 1000;

/** The SQL form of a service filter (validated first). */
function serviceWhere(filter: ServiceRowFilter): Where<ServiceEntity> {
  const p = new Problems();
  if (filter.minPriority != null) checkIntRange(p, 'filter.minPriority', filter.minPriority, 1, MAX_SERVICE_PRIORITY);
  p.throwIfAny();
  const where: Where<ServiceEntity> = {};
  if (filter.state) where.state = filter.state;
  if (filter.failoverDomainId) where.failoverDomainId = filter.failoverDomainId;
  if (filter.nodeId) where.currentNodeId = filter.nodeId;
  if (filter.nameContains) where.name = containing(filter.nameContains);
  // every priority is at least 1 (the domain refuses anything else): minPriority 1 filters nothing
  if (filter.minPriority != null && filter.minPriority > 1) where.priority = atLeast(filter.minPriority);
  return where;
}

/** How a service appears in the log: its row and its resources in start order. */
function serviceSnapshot(service: ServiceEntity, resourceIds: readonly string[]): Record<string, unknown> {
  return { ...snapshot(service), resources: [...resourceIds] };
}

/**
 * Services (resource groups): resources that start in order and move together, with their HA
 * policy. Every change locks the service row first, so concurrent changes to one service are
 * serialized (and the resource positions stay 0..n-1).
 */
@Injectable()
export class ServiceGroupService {
  constructor(
    private readonly store: Store,
    private readonly quota: QuotaService,
  ) {}

  get(scope: TenantScope, id: string): Promise<ServiceEntity> {
    return this.store.repos.services.get(scope, id);
  }

  byIds(scope: TenantScope, ids: readonly string[]): Promise<ServiceEntity[]> {
    return this.store.repos.services.findByIds(scope, ids);
  }

  async page(scope: TenantScope, filter: ServiceFilter, args: PageArgs): Promise<Page<ServiceEntity>> {
    const where = serviceWhere(filter);
    if (filter.clusterId) where.clusterId = filter.clusterId;
    return this.store.repos.services.page(scope, where, args);
  }

  /** First page of services of many clusters in a fixed number of statements (one list per id, in order). */
  async pageByCluster(scope: TenantScope, clusterIds: readonly string[], args: PageArgs, filter: ServiceRowFilter = {}): Promise<Page<ServiceEntity>[]> {
    const pages = await this.store.repos.services.pageByParent(scope, 'clusterId', clusterIds, args, serviceWhere(filter));
    return clusterIds.map((id) => pages.get(id) ?? { rows: [], hasNextPage: false });
  }

  /** Resources of many services in start order, in one statement (one list per id, in order). */
  async resourcesOf(scope: TenantScope, serviceIds: readonly string[]): Promise<ResourceEntity[][]> {
    const rows = await this.store.repos.resources.findIn(scope, 'serviceId', serviceIds);
    const byService = new Map<string, ResourceEntity[]>();
    for (const r of rows) {
      if (!r.serviceId) continue;
      const list = byService.get(r.serviceId) ?? [];
      list.push(r);
      byService.set(r.serviceId, list);
    }
    return serviceIds.map((id) => (byService.get(id) ?? []).sort(byPosition));
  }

  async create(scope: TenantScope, input: CreateService): Promise<ServiceEntity> {
    const resourceIds = input.resources ?? [];
    const p = new Problems();
    checkName(p, 'name', input.name);
    // nulls are refused by resolveServicePolicy except where they clear a value
    const policy = collectProblems(p, () => resolveServicePolicy((input.policy ?? undefined) as Partial<ServicePolicy> | undefined));
    const attributes = collectProblems(p, () => applyAttributeChange({}, { set: input.attributes ?? [] }));
    checkDistinct(p, 'resources', resourceIds);
    p.throwIfAny();
    if (!policy || !attributes) throw new Error('unreachable: problems were thrown above');

    return this.store.transaction(async (repos) => {
      await this.quota.check(repos, scope, 'services');
      const cluster = await repos.clusters.get(scope, input.clusterId);
      const refs = new Problems();
      await this.checkDomain(repos, scope, refs, cluster.id, policy.failoverDomainId);
      const resources = await this.lockResources(repos, scope, refs, cluster.id, resourceIds);
      refs.throwIfAny();
      await this.assertFree(repos, scope, resources);
      if (await repos.services.exists(scope, { clusterId: cluster.id, name: input.name })) {
        throw this.duplicate(input.name, cluster.name);
      }
      const service = await repos.services
        .create(scope, {
          clusterId: cluster.id,
          name: input.name,
          state: ServiceState.STOPPED,
          currentNodeId: null,
          ...policy,
          attributes: { ...attributes },
        })
        .catch((err: unknown) => {
          if (isDuplicateKey(err)) throw this.duplicate(input.name, cluster.name);
          throw err;
        });
      for (const [i, r] of resources.entries()) {
        r.serviceId = service.id;
        r.position = i;
        await repos.resources.save(scope, r);
      }
      await appendEvent(repos, scope, {
        clusterId: cluster.id,
        type: 'service.created',
        objectType: 'Service',
        objectId: service.id,
        serviceId: service.id,
        after: serviceSnapshot(service, resourceIds),
      });
      return service;
    });
  }

  /**
   * Destroys a service. CONFLICT while it is running or between states (stop it first), unless
   * forced. Its resources are released (no service, no position), not deleted. Returns it as it was.
   */
  async destroy(scope: TenantScope, id: string, force: boolean): Promise<ServiceEntity> {
    return this.store.transaction(async (repos) => {
      const service = await repos.services.lock(scope, id);
      if (!force && !AT_REST_STATES.has(service.state)) {
        throw new ConflictError(`service "${service.name}" is ${service.state}; stop it first or pass force: true`, { state: service.state });
      }
      const resources = (await repos.resources.find(scope, { serviceId: id })).sort(byPosition);
      const before = serviceSnapshot(
        service,
        resources.map((r) => r.id),
      );
      for (const r of resources) {
        r.serviceId = null;
        r.position = null;
        await repos.resources.save(scope, r);
      }
      await repos.services.delete(scope, { id });
      await appendEvent(repos, scope, {
        clusterId: service.clusterId,
        type: 'service.destroyed',
        objectType: 'Service',
        objectId: id,
        serviceId: id,
        nodeId: service.currentNodeId,
        before,
        message:
          `released ${resources.length} resource(s)` +
          (AT_REST_STATES.has(service.state) ? '' : `; forced while ${service.state}: whatever runs on the node is no longer managed`),
      });
      return service;
    });
  }

  /** Adds a resource of the service's cluster at a start position (default last); the others shift to stay 0..n-1. */
  async addResource(scope: TenantScope, input: AddServiceResource): Promise<ServiceEntity> {
    const p = new Problems();
    if (input.position != null) checkIntRange(p, 'position', input.position, 0, MAX_POSITION);
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      // The service row lock comes first and before any plain read: a concurrent add waits here,
      // and its reads below then see this one's committed positions.
      const service = await repos.services.lock(scope, input.serviceId);
      this.assertNotBusy(service);
      const refs = new Problems();
      const [resource] = await this.lockResources(repos, scope, refs, service.clusterId, [input.resourceId], 'resourceId');
      refs.throwIfAny();
      if (!resource) throw new Error('unreachable: a missing resource is reported above');
      if (resource.serviceId === service.id) {
        throw new ConflictError(`resource "${resource.name}" is already in service "${service.name}"`, { resourceId: resource.id, serviceId: service.id });
      }
      await this.assertFree(repos, scope, [resource]);
      const siblings = (await repos.resources.find(scope, { serviceId: service.id })).sort(byPosition);
      const current = siblings.map((r) => r.id);
      if (input.position != null && input.position > current.length) {
        throw BadInputError.of('position', `must be from 0 to ${current.length} (the service has ${current.length} resource(s))`);
      }
      const order = insertAt(current, resource.id, input.position);
      await this.writeOrder(repos, scope, siblings, order);
      resource.serviceId = service.id;
      resource.position = order.indexOf(resource.id);
      await repos.resources.save(scope, resource);
      await appendEvent(repos, scope, {
        clusterId: service.clusterId,
        type: 'service.resource_added',
        objectType: 'Service',
        objectId: service.id,
        serviceId: service.id,
        before: { resources: current },
        after: { resources: order, resourceId: resource.id, position: resource.position },
      });
      return service;
    });
  }

  /** Takes a resource out of its service (the resource stays); the others close the gap. */
  async removeResource(scope: TenantScope, serviceId: string, resourceId: string): Promise<ServiceEntity> {
    return this.store.transaction(async (repos) => {
      const service = await repos.services.lock(scope, serviceId);
      this.assertNotBusy(service);
      const resource = await repos.resources.lock(scope, resourceId).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
      if (!resource || resource.serviceId !== service.id) throw BadInputError.of('resourceId', `is not a resource of service "${service.name}"`);
      const siblings = (await repos.resources.find(scope, { serviceId: service.id })).sort(byPosition);
      const current = siblings.map((r) => r.id);
      const order = removeFrom(current, resource.id);
      resource.serviceId = null;
      resource.position = null;
      await repos.resources.save(scope, resource);
      await this.writeOrder(
        repos,
        scope,
        siblings.filter((r) => r.id !== resource.id),
        order,
      );
      await appendEvent(repos, scope, {
        clusterId: service.clusterId,
        type: 'service.resource_removed',
        objectType: 'Service',
        objectId: service.id,
        serviceId: service.id,
        before: { resources: current },
        after: { resources: order, resourceId: resource.id },
      });
      return service;
    });
  }

  /** Changes the HA policy: omitted fields keep their value; null clears the failover domain, anti-affinity group and RTO. */
  async updatePolicy(scope: TenantScope, input: UpdateServicePolicy): Promise<ServiceEntity> {
    return this.store.transaction(async (repos) => {
      const service = await repos.services.lock(scope, input.id);
      const current = policyOfService(service);
      // validated against the stored values before anything is written
      const policy = resolveServicePolicy(input.policy as Partial<ServicePolicy>, current);
      if (policy.failoverDomainId !== current.failoverDomainId) {
        const refs = new Problems();
        await this.checkDomain(repos, scope, refs, service.clusterId, policy.failoverDomainId);
        refs.throwIfAny();
      }
      Object.assign(service, policy);
      const saved = await repos.services.save(scope, service);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'service.policy_updated',
        objectType: 'Service',
        objectId: saved.id,
        serviceId: saved.id,
        before: { policy: current },
        after: { policy: policyOfService(saved) },
      });
      return saved;
    });
  }

  async setAttributes(scope: TenantScope, id: string, change: AttributeChange): Promise<ServiceEntity> {
    return this.store.transaction(async (repos) => {
      const service = await repos.services.lock(scope, id);
      const before = { attributes: service.attributes };
      service.attributes = { ...applyAttributeChange(service.attributes, change) };
      const saved = await repos.services.save(scope, service);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'service.attributes_changed',
        objectType: 'Service',
        objectId: saved.id,
        serviceId: saved.id,
        before,
        after: { attributes: saved.attributes },
      });
      return saved;
    });
  }

  /**
   * The failover domain must be one of the service's cluster (BAD_USER_INPUT at
   * `policy.failoverDomainId`). It is locked, so a concurrent delete of the domain either sees
   * this service or runs first.
   */
  private async checkDomain(repos: Repositories, scope: TenantScope, p: Problems, clusterId: string, domainId: string | null): Promise<void> {
    if (domainId === null) return;
    const domain = await repos.failoverDomains.lock(scope, domainId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    p.check(domain !== null && domain.clusterId === clusterId, 'policy.failoverDomainId', 'is not a failover domain of the service\'s cluster');
  }

  /**
   * Locks the resources (in id order, so two transactions never wait on each other in a cycle) and
   * reports at `field[i]` (or `field` for one) each that is missing or in another cluster. Returns
   * the found ones in the order given.
   */
  private async lockResources(
    repos: Repositories,
    scope: TenantScope,
    p: Problems,
    clusterId: string,
    ids: readonly string[],
    field = 'resources',
  ): Promise<ResourceEntity[]> {
    const locked = new Map<string, ResourceEntity>();
    for (const id of [...ids].sort()) {
      const row = await repos.resources.lock(scope, id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
      if (row) locked.set(id, row);
    }
    const found: ResourceEntity[] = [];
    ids.forEach((id, i) => {
      const row = locked.get(id);
      if (row && row.clusterId === clusterId) found.push(row);
      else p.add(ids.length === 1 && field !== 'resources' ? field : `${field}[${i}]`, "is not a resource of the service's cluster");
    });
    return found;
  }

  /** CONFLICT naming the resource and its service when a resource already belongs to another service. */
  private async assertFree(repos: Repositories, scope: TenantScope, resources: readonly ResourceEntity[]): Promise<void> {
    const taken = resources.filter((r) => r.serviceId !== null);
    const first = taken[0];
    if (!first || !first.serviceId) return;
    const owner = await repos.services.findById(scope, first.serviceId);
    throw new ConflictError(`resource "${first.name}" already belongs to service "${owner?.name ?? first.serviceId}"; remove it there first`, {
      resourceId: first.id,
      serviceId: first.serviceId,
    });
  }

  private assertNotBusy(service: ServiceEntity): void {
    if (TRANSITIONAL_STATES.has(service.state)) {
      throw new ConflictError(`service "${service.name}" is ${service.state}; change its resources once it has settled`, { state: service.state });
    }
  }

  /** Writes positions 0..n-1 in `order`, touching only rows whose position changes. */
  private async writeOrder(repos: Repositories, scope: TenantScope, rows: readonly ResourceEntity[], order: readonly string[]): Promise<void> {
    for (const { row, position } of positionChanges(rows, order)) {
      row.position = position;
      await repos.resources.save(scope, row);
    }
  }

  private duplicate(name: string, clusterName: string): ConflictError {
    return new ConflictError(`a service named "${name}" already exists in cluster "${clusterName}"`, { name });
  }
}
