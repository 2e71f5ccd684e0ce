import { Inject, Injectable } from '@nestjs/common';
import {
  applyAttributeChange,
  AttributeChange,
  ConflictError,
  NodeKind,
  NodeStatus,
  NotFoundError,
  Problems,
  TenantScope,
} from '@haaas/domain';
import { containing, isDuplicateKey, NodeEntity, Page, PageArgs, Repositories, Store, Where } from '@haaas/persistence';
import { appendEvent, snapshot } from '../event-log';
import { SECRET_SEALER } from '../management.tokens';
import type { SecretSealer } from '../management.tokens';
import { QuotaService } from '../quota.service';
import {
  CapacityInput,
  checkCapacity,
  checkCheckAddress,
  checkEndpoint,
  checkEndpointPassword,
  checkEndpointUri,
  checkEndpointUsername,
  checkHostname,
  checkNodeKind,
  EndpointInput,
  normalizeCheckAddress,
  normalizeHostname,
  sameEndpointTarget,
} from './node.validation';
import { collectAttributes, lockClusterRef } from './inventory.util';

export interface JoinNode {
  readonly clusterId: string;
  readonly hostname: string;
  readonly kind: NodeKind;
  readonly endpoint: EndpointInput;
  readonly capacity: CapacityInput;
  readonly checkAddress?: string | null;
  /** A spare host, used for placement only when nothing else fits. */
  readonly reserved?: boolean | null;
  readonly attributes?: AttributeChange['set'];
}

/** Endpoint changes: omitted fields are kept; `username: null` clears it. */
export interface UpdateNodeEndpoint {
  readonly uri?: string | null;
  readonly username?: string | null;
  /** Replaces the stored password. */
  readonly password?: string | null;
  /** Removes the stored password. */
  readonly clearPassword?: boolean | null;
}

export interface UpdateNode {
  readonly id: string;
  readonly capacity?: CapacityInput | null;
  /** `null` clears it; omitted keeps it. */
  readonly checkAddress?: string | null;
  readonly endpoint?: UpdateNodeEndpoint | null;
  /** Omitted keeps it. */
  readonly reserved?: boolean | null;
}

/** Filters of nodes within a cluster (for `Cluster.nodes`). */
export interface ClusterNodeFilter {
  readonly status?: NodeStatus | null;
  readonly kind?: NodeKind | null;
  readonly hostnameContains?: string | null;
  readonly maintenance?: boolean | null;
}

export interface NodeFilter extends ClusterNodeFilter {
  readonly clusterId?: string | null;
}

/** What the hypervisor adapters need to connect; never leaves the server. */
export interface NodeCredentials {
  readonly uri: string;
  readonly username: string | null;
  readonly password: string | null;
}

/** Event snapshot of a node: the sealed password stays out, whether one is stored goes in. */
export function nodeSnapshot(node: NodeEntity): Record<string, unknown> {
  return { ...snapshot(node, ['endpointSecret', 'agentTokenHash']), endpointHasPassword: node.endpointSecret !== null };
}

/** The context bound into a node's sealed password: it opens only for this tenant and node. */
export function nodeSecretContext(scope: TenantScope, nodeId: string): string {
  return `${scope.tenantId}:node:${nodeId}`;
}

function nodeWhere(filter: ClusterNodeFilter): Where<NodeEntity> {
  const where: Where<NodeEntity> = {};
  if (filter.status) where.status = filter.status;
  if (filter.kind) where.kind = filter.kind;
  if (filter.hostnameContains) where.hostname = containing(normalizeHostname(filter.hostnameContains));
  if (filter.maintenance != null) where.maintenance = filter.maintenance;
  return where;
}

@Injectable()
export class NodeService {
  constructor(
    private readonly store: Store,
    private readonly quota: QuotaService,
    @Inject(SECRET_SEALER) private readonly sealer: SecretSealer,
  ) {}

  get(scope: TenantScope, id: string): Promise<NodeEntity> {
    return this.store.repos.nodes.get(scope, id);
  }

  byIds(scope: TenantScope, ids: readonly string[]): Promise<NodeEntity[]> {
    return this.store.repos.nodes.findByIds(scope, ids);
  }

  page(scope: TenantScope, filter: NodeFilter, args: PageArgs): Promise<Page<NodeEntity>> {
    const where = nodeWhere(filter);
    if (filter.clusterId) where.clusterId = filter.clusterId;
    return this.store.repos.nodes.page(scope, where, args);
  }

  /**
   * First page of nodes for many clusters, in the order of `clusterIds`: a fixed number of
   * statements whatever the number of clusters (what `Cluster.nodes` batches into).
   */
  async pageByClusters(scope: TenantScope, clusterIds: readonly string[], filter: ClusterNodeFilter, args: PageArgs): Promise<Page<NodeEntity>[]> {
    const pages = await this.store.repos.nodes.pageByParent(scope, 'clusterId', clusterIds, args, nodeWhere(filter));
    return clusterIds.map((id) => pages.get(id) ?? { rows: [], hasNextPage: false });
  }

  /** Host name, endpoint and password of a node for the hypervisor adapters (server side only). */
  async credentials(scope: TenantScope, id: string): Promise<NodeCredentials> {
    return this.credentialsOf(scope, await this.store.repos.nodes.get(scope, id));
  }

  /** The same from a node row the caller has just read (a recovery step connects to every node of the cluster). */
  credentialsOf(scope: TenantScope, node: Pick<NodeEntity, 'id' | 'tenantId' | 'endpointUri' | 'endpointUsername' | 'endpointSecret'>): NodeCredentials {
    if (node.tenantId !== scope.tenantId) throw new NotFoundError('Node', node.id);
    return {
      uri: node.endpointUri,
      username: node.endpointUsername,
      password: node.endpointSecret === null ? null : this.sealer.open(node.endpointSecret, nodeSecretContext(scope, node.id)),
    };
  }

  /** Adds a host to a cluster. It starts OFFLINE until the failure detector hears from it. */
  async join(scope: TenantScope, input: JoinNode): Promise<NodeEntity> {
    const p = new Problems();
    checkHostname(p, 'hostname', input.hostname);
    checkNodeKind(p, 'kind', input.kind);
    checkCapacity(p, 'capacity', input.capacity);
    checkCheckAddress(p, 'checkAddress', input.checkAddress);
    // the URI's scheme depends on the cluster's hypervisor: read the cluster before judging it
    const cluster = await this.store.repos.clusters.findById(scope, input.clusterId);
    if (!cluster) p.add('clusterId', 'no such cluster');
    if (cluster) {
      checkEndpoint(p, 'endpoint', input.endpoint, cluster.hypervisor);
    } else {
      checkEndpointUsername(p, 'endpoint.username', input.endpoint.username);
      checkEndpointPassword(p, 'endpoint.password', input.endpoint.password);
    }
    const attributes = collectAttributes(p, input.attributes ?? []);
    p.throwIfAny();
    const hostname = normalizeHostname(input.hostname);

    return this.store.transaction(async (repos) => {
      await this.quota.check(repos, scope, 'nodes');
      // serializes with a concurrent destroyCluster: the node joins a cluster that still exists
      await lockClusterRef(repos, scope, input.clusterId);
      await assertHostnameFree(repos, scope, hostname);
      const created = await repos.nodes
        .create(scope, {
          clusterId: input.clusterId,
          hostname,
          kind: input.kind,
          status: NodeStatus.OFFLINE,
          maintenance: false,
          endpointUri: input.endpoint.uri,
          endpointUsername: input.endpoint.username ?? null,
          endpointSecret: null,
          checkAddress: normalizeCheckAddress(input.checkAddress ?? null),
          reserved: input.reserved ?? false,
          cpus: input.capacity.cpus,
          memoryMb: input.capacity.memoryMb,
          attributes,
        })
        .catch((err: unknown) => {
          if (isDuplicateKey(err)) throw hostnameTaken(hostname);
          throw err;
        });
      let node = created;
      // the sealing context holds the node id, which exists only once the row does
      if (input.endpoint.password != null) {
        node.endpointSecret = this.sealer.seal(input.endpoint.password, nodeSecretContext(scope, node.id));
        node = await repos.nodes.save(scope, node);
      }
      await appendEvent(repos, scope, {
        clusterId: node.clusterId,
        type: 'node.joined',
        objectType: 'Node',
        objectId: node.id,
        nodeId: node.id,
        after: nodeSnapshot(node),
      });
      return node;
    });
  }

  async update(scope: TenantScope, input: UpdateNode): Promise<NodeEntity> {
    const p = new Problems();
    if (input.capacity) checkCapacity(p, 'capacity', input.capacity);
    checkCheckAddress(p, 'checkAddress', input.checkAddress);
    const endpoint = input.endpoint ?? {};
    checkEndpointUsername(p, 'endpoint.username', endpoint.username);
    checkEndpointPassword(p, 'endpoint.password', endpoint.password);
    p.check(!(endpoint.password != null && endpoint.clearPassword), 'endpoint.clearPassword', 'cannot clear the password and set a new one at once');
    p.throwIfAny();

    return this.store.transaction(async (repos) => {
      const node = await repos.nodes.lock(scope, input.id);
      const cluster = await repos.clusters.get(scope, node.clusterId);
      const before = nodeSnapshot(node);
      const q = new Problems();
      if (endpoint.uri != null) {
        checkEndpointUri(q, 'endpoint.uri', endpoint.uri, cluster.hypervisor);
        // a stored password must not follow the endpoint to another host unasked: whoever may edit
        // a node must not be able to send its credentials to a server of their choosing
        const moves = !sameEndpointTarget(node.endpointUri, endpoint.uri);
        q.check(
          !(moves && node.endpointSecret !== null && endpoint.password == null && !endpoint.clearPassword),
          'endpoint.password',
          'give the password again (or clearPassword: true) when the endpoint moves to another scheme, host or port',
        );
      }
      q.throwIfAny();

      if (input.capacity) {
        node.cpus = input.capacity.cpus;
        node.memoryMb = input.capacity.memoryMb;
      }
      if (input.checkAddress !== undefined) node.checkAddress = normalizeCheckAddress(input.checkAddress);
      if (input.reserved !== undefined && input.reserved !== null) node.reserved = input.reserved;
      if (endpoint.uri != null) node.endpointUri = endpoint.uri;
      if (endpoint.username !== undefined) node.endpointUsername = endpoint.username;
      let passwordNote: string | null = null;
      if (endpoint.password != null) {
        node.endpointSecret = this.sealer.seal(endpoint.password, nodeSecretContext(scope, node.id));
        passwordNote = 'endpoint password replaced';
      } else if (endpoint.clearPassword && node.endpointSecret !== null) {
        node.endpointSecret = null;
        passwordNote = 'endpoint password cleared';
      }
      const saved = await repos.nodes.save(scope, node);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'node.updated',
        objectType: 'Node',
        objectId: saved.id,
        nodeId: saved.id,
        before,
        after: nodeSnapshot(saved),
        message: passwordNote,
      });
      return saved;
    });
  }

  async setAttributes(scope: TenantScope, id: string, change: AttributeChange): Promise<NodeEntity> {
    return this.store.transaction(async (repos) => {
      const node = await repos.nodes.lock(scope, id);
      const before = { attributes: node.attributes };
      node.attributes = { ...applyAttributeChange(node.attributes, change, 'change') };
      const saved = await repos.nodes.save(scope, node);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'node.attributes_changed',
        objectType: 'Node',
        objectId: saved.id,
        nodeId: saved.id,
        before,
        after: { attributes: saved.attributes },
      });
      return saved;
    });
  }

  /**
   * Maintenance on: the node shows MAINTENANCE (it takes no services, and its silence triggers no
   * recovery). Off: OFFLINE until the failure detector hears from it again. Setting the current
   * value again changes nothing and logs nothing.
   */
  async setMaintenance(scope: TenantScope, id: string, enabled: boolean): Promise<NodeEntity> {
    return this.store.transaction(async (repos) => {
      const node = await repos.nodes.lock(scope, id);
      if (node.maintenance === enabled) return node;
      const before = { maintenance: node.maintenance, status: node.status };
      node.maintenance = enabled;
      node.status = enabled ? NodeStatus.MAINTENANCE : NodeStatus.OFFLINE;
      const saved = await repos.nodes.save(scope, node);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'node.maintenance_changed',
        objectType: 'Node',
        objectId: saved.id,
        nodeId: saved.id,
        before,
        after: { maintenance: saved.maintenance, status: saved.status },
      });
      return saved;
    });
  }

  /**
   * Removes a node from its cluster. While a service runs on it or a failover domain lists it, that
   * is a CONFLICT unless forced; forcing removes it from those domains and leaves those services
   * without a current node, each change logged. Returns the node as it was.
   */
  async leave(scope: TenantScope, id: string, force: boolean): Promise<NodeEntity> {
    return this.store.transaction(async (repos) => {
      const node = await repos.nodes.lock(scope, id);
      const services = await repos.services.find(scope, { currentNodeId: node.id });
      const domains = await repos.failoverDomains.find(scope, { clusterId: node.clusterId });
      const members = await repos.domainMembers.forDomains(
        scope,
        domains.map((d) => d.id),
      );
      const memberOf = domains.filter((d) => members.some((m) => m.domainId === d.id && m.nodeId === node.id));
      if (!force && (services.length > 0 || memberOf.length > 0)) {
        throw new ConflictError(
          `node "${node.hostname}" runs ${services.length} service(s) and is a member of ${memberOf.length} failover domain(s); move or remove them, or pass force: true`,
          { services: services.map((s) => s.name), failoverDomains: memberOf.map((d) => d.name) },
        );
      }
      for (const domain of memberOf) {
        const current = members.filter((m) => m.domainId === domain.id).map((m) => ({ nodeId: m.nodeId, priority: m.priority }));
        const remaining = current.filter((m) => m.nodeId !== node.id);
        await repos.domainMembers.replace(scope, domain.id, remaining);
        await appendEvent(repos, scope, {
          clusterId: node.clusterId,
          type: 'failover_domain.members_changed',
          objectType: 'FailoverDomain',
          objectId: domain.id,
          nodeId: node.id,
          before: { members: current },
          after: { members: remaining },
          message: `node "${node.hostname}" left the cluster`,
        });
      }
      for (const service of services) {
        const before = { currentNodeId: service.currentNodeId };
        service.currentNodeId = null;
        await repos.services.save(scope, service);
        await appendEvent(repos, scope, {
          clusterId: node.clusterId,
          type: 'service.node_cleared',
          objectType: 'Service',
          objectId: service.id,
          nodeId: node.id,
          serviceId: service.id,
          before,
          after: { currentNodeId: null },
          message: `node "${node.hostname}" left the cluster while the service ran on it`,
        });
      }
      await repos.nodes.delete(scope, { id: node.id });
      await appendEvent(repos, scope, {
        clusterId: node.clusterId,
        type: 'node.left',
        objectType: 'Node',
        objectId: node.id,
        nodeId: node.id,
        before: nodeSnapshot(node),
        message: force && (services.length > 0 || memberOf.length > 0) ? 'forced' : null,
      });
      return node;
    });
  }
}

function hostnameTaken(hostname: string, clusterName?: string): ConflictError {
  const where = clusterName ? ` in cluster "${clusterName}"` : '';
  return new ConflictError(`a node with host name "${hostname}" already exists${where}`, { hostname, ...(clusterName ? { cluster: clusterName } : {}) });
}

async function assertHostnameFree(repos: Repositories, scope: TenantScope, hostname: string): Promise<void> {
  const other = await repos.nodes.findOne(scope, { hostname });
  if (!other) return;
  const cluster = await repos.clusters.findById(scope, other.clusterId);
  throw hostnameTaken(hostname, cluster?.name);
}
