import { Injectable } from '@nestjs/common';
import { applyAttributeChange, AttributeChange, checkName, ConflictError, Problems, ResourceType, TenantScope } from '@haaas/domain';
import { anyOf, isDuplicateKey, isNull, Page, PageArgs, ResourceEntity, Store, Where } from '@haaas/persistence';
import { appendEvent, snapshot } from '../event-log';
import { QuotaService } from '../quota.service';
import { collectAttributes, lockClusterRef } from './inventory.util';
import { checkResourceSpec, ResourceSpecInput } from './resource-spec';

export interface CreateResource extends ResourceSpecInput {
  readonly clusterId: string;
  readonly name: string;
  readonly type: ResourceType;
  readonly attributes?: AttributeChange['set'];
}

/** Replaces the spec of a resource; the sub-input of its type must be given, no other. */
export interface UpdateResource extends ResourceSpecInput {
  readonly id: string;
}

/** Filters of resources within a cluster (for `Cluster.resources`). */
export interface ClusterResourceFilter {
  readonly type?: ResourceType | null;
  readonly serviceId?: string | null;
  /** true: only resources in no service; false: only resources in one. */
  readonly unassigned?: boolean | null;
}

export interface ResourceFilter extends ClusterResourceFilter {
  readonly clusterId?: string | null;
}

function checkFilter(filter: ClusterResourceFilter): void {
  const p = new Problems();
  p.check(!(filter.serviceId && filter.unassigned === true), 'filter.unassigned', 'cannot be true together with filter.serviceId');
  p.throwIfAny();
}

/** `service_id IS NULL`; `isNull()` is typed for null-typed values, this column is `string | null`. */
function noService(): Where<ResourceEntity>['serviceId'] {
  return isNull() as unknown as Where<ResourceEntity>['serviceId'];
}

function nameTaken(name: string): ConflictError {
  return new ConflictError(`a resource named "${name}" already exists in this cluster`, { name });
}

@Injectable()
export class ResourceService {
  constructor(
    private readonly store: Store,
    private readonly quota: QuotaService,
  ) {}

  get(scope: TenantScope, id: string): Promise<ResourceEntity> {
    return this.store.repos.resources.get(scope, id);
  }

  byIds(scope: TenantScope, ids: readonly string[]): Promise<ResourceEntity[]> {
    return this.store.repos.resources.findByIds(scope, ids);
  }

  async page(scope: TenantScope, filter: ResourceFilter, args: PageArgs): Promise<Page<ResourceEntity>> {
    checkFilter(filter);
    const where = await this.resourceWhere(scope, filter, filter.clusterId ? [filter.clusterId] : null);
    if (!where) return { rows: [], hasNextPage: false };
    if (filter.clusterId) where.clusterId = filter.clusterId;
    return this.store.repos.resources.page(scope, where, args);
  }

  /** First page of resources for many clusters, in the order of `clusterIds`, in a fixed number of statements. */
  async pageByClusters(scope: TenantScope, clusterIds: readonly string[], filter: ClusterResourceFilter, args: PageArgs): Promise<Page<ResourceEntity>[]> {
    checkFilter(filter);
    const where = await this.resourceWhere(scope, filter, clusterIds);
    if (!where) return clusterIds.map(() => ({ rows: [], hasNextPage: false }));
    const pages = await this.store.repos.resources.pageByParent(scope, 'clusterId', clusterIds, args, where);
    return clusterIds.map((id) => pages.get(id) ?? { rows: [], hasNextPage: false });
  }

  /**
   * The SQL filter of `filter` for resources of `clusterIds` (null: of any cluster), or null when
   * nothing can match. `unassigned: false` means "service_id IS NOT NULL", which the repositories
   * cannot express yet: it becomes "service_id IN (the services of those clusters)", one statement
   * whatever the number of resources (a resource only ever joins a service of its own cluster).
   */
  private async resourceWhere(scope: TenantScope, filter: ClusterResourceFilter, clusterIds: readonly string[] | null): Promise<Where<ResourceEntity> | null> {
    const where: Where<ResourceEntity> = {};
    if (filter.type) where.type = filter.type;
    if (filter.serviceId) {
      // a given service implies "assigned"; checkFilter refused it with unassigned: true
      where.serviceId = filter.serviceId;
    } else if (filter.unassigned === true) {
      where.serviceId = noService();
    } else if (filter.unassigned === false) {
      const services = clusterIds ? await this.store.repos.services.findIn(scope, 'clusterId', clusterIds) : await this.store.repos.services.find(scope);
      if (services.length === 0) return null;
      where.serviceId = anyOf(services.map((s) => s.id));
    }
    return where;
  }

  async create(scope: TenantScope, input: CreateResource): Promise<ResourceEntity> {
    const p = new Problems();
    checkName(p, 'name', input.name);
    const typeKnown = Object.values(ResourceType).includes(input.type);
    p.check(typeKnown, 'type', `must be one of ${Object.values(ResourceType).join(', ')}`);
    const spec = typeKnown ? checkResourceSpec(p, input.type, input) : null;
    const attributes = collectAttributes(p, input.attributes ?? []);
    p.throwIfAny();

    return this.store.transaction(async (repos) => {
      await this.quota.check(repos, scope, 'resources');
      await lockClusterRef(repos, scope, input.clusterId);
      if (await repos.resources.exists(scope, { clusterId: input.clusterId, name: input.name })) throw nameTaken(input.name);
      const resource = await repos.resources
        .create(scope, {
          clusterId: input.clusterId,
          name: input.name,
          type: input.type,
          spec: spec ?? {},
          serviceId: null,
          position: null,
          attributes,
        })
        .catch((err: unknown) => {
          if (isDuplicateKey(err)) throw nameTaken(input.name);
          throw err;
        });
      await appendEvent(repos, scope, {
        clusterId: resource.clusterId,
        type: 'resource.created',
        objectType: 'Resource',
        objectId: resource.id,
        after: snapshot(resource),
      });
      return resource;
    });
  }

  /** Replaces the type-specific spec (the type itself never changes: create another resource). */
  async update(scope: TenantScope, input: UpdateResource): Promise<ResourceEntity> {
    return this.store.transaction(async (repos) => {
      const resource = await repos.resources.lock(scope, input.id);
      const p = new Problems();
      const spec = checkResourceSpec(p, resource.type, input);
      p.throwIfAny();
      const before = snapshot(resource);
      resource.spec = spec ?? {};
      const saved = await repos.resources.save(scope, resource);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'resource.updated',
        objectType: 'Resource',
        objectId: saved.id,
        serviceId: saved.serviceId,
        before,
        after: snapshot(saved),
      });
      return saved;
    });
  }

  async setAttributes(scope: TenantScope, id: string, change: AttributeChange): Promise<ResourceEntity> {
    return this.store.transaction(async (repos) => {
      const resource = await repos.resources.lock(scope, id);
      const before = { attributes: resource.attributes };
      resource.attributes = { ...applyAttributeChange(resource.attributes, change, 'change') };
      const saved = await repos.resources.save(scope, resource);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'resource.attributes_changed',
        objectType: 'Resource',
        objectId: saved.id,
        serviceId: saved.serviceId,
        before,
        after: { attributes: saved.attributes },
      });
      return saved;
    });
  }

  /** Destroys a resource; CONFLICT while it belongs to a service, unless forced. Returns it as it was. */
  async destroy(scope: TenantScope, id: string, force: boolean): Promise<ResourceEntity> {
    return this.store.transaction(async (repos) => {
      // Lock the service before the resource, the order addServiceResource uses, so the two
      // cannot deadlock; then renumber the service's other resources to close the gap.
      const peek = await repos.resources.get(scope, id);
      if (peek.serviceId !== null && force) await repos.services.lock(scope, peek.serviceId);
      const resource = await repos.resources.lock(scope, id);
      if (resource.serviceId !== null && !force) {
        const service = await repos.services.findById(scope, resource.serviceId);
        throw new ConflictError(`resource "${resource.name}" belongs to service "${service?.name ?? resource.serviceId}"; remove it from the service first, or pass force: true`, {
          service: service?.name ?? null,
          serviceId: resource.serviceId,
        });
      }
      await repos.resources.delete(scope, { id: resource.id });
      if (resource.serviceId !== null) {
        const rest = await repos.resources.find(scope, { serviceId: resource.serviceId }, { position: 'ASC', id: 'ASC' });
        for (const [i, r] of rest.entries()) {
          if (r.position === i) continue;
          r.position = i;
          await repos.resources.save(scope, r);
        }
      }
      await appendEvent(repos, scope, {
        clusterId: resource.clusterId,
        type: 'resource.destroyed',
        objectType: 'Resource',
        objectId: resource.id,
        serviceId: resource.serviceId,
        before: snapshot(resource),
        message: resource.serviceId !== null ? 'forced: removed from its service' : null,
      });
      return resource;
    });
  }
}
