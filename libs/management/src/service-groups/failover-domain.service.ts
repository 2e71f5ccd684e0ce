import { Injectable } from '@nestjs/common';
import { checkDomainMembers, checkName, ConflictError, Problems, TenantScope } from '@haaas/domain';
import type { DomainMember } from '@haaas/domain';
import {
  containing,
  FailoverDomainEntity,
  FailoverDomainMemberEntity,
  isDuplicateKey,
  Page,
  PageArgs,
  Repositories,
  Store,
  Where,
} from '@haaas/persistence';
import { appendEvent, snapshot } from '../event-log';
import { checkBooleanIfGiven, checkMemberNodes, collectProblems } from './service-groups.rules';

export interface CreateFailoverDomain {
  readonly clusterId: string;
  readonly name: string;
  readonly ordered?: boolean;
  readonly restricted?: boolean;
  readonly nofailback?: boolean;
  readonly members?: readonly DomainMember[];
}

/** Omitted fields keep their value; `members`, when given, replaces the whole list. */
export interface UpdateFailoverDomain {
  readonly id: string;
  readonly name?: string | null;
  readonly ordered?: boolean | null;
  readonly restricted?: boolean | null;
  readonly nofailback?: boolean | null;
  readonly members?: readonly DomainMember[] | null;
}

export interface FailoverDomainFilter {
  readonly clusterId?: string | null;
  readonly nameContains?: string | null;
}

/** How a domain appears in the log: its row and its members, most preferred first. */
function domainSnapshot(domain: FailoverDomainEntity, members: readonly DomainMember[]): Record<string, unknown> {
  return { ...snapshot(domain), members: members.map((m) => ({ nodeId: m.nodeId, priority: m.priority })) };
}

function sortedMembers(members: readonly DomainMember[]): DomainMember[] {
  return [...members].sort((a, b) => a.priority - b.priority || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}

/** Failover domains (rgmanager semantics): named, prioritized node lists that services fail over within. */
@Injectable()
export class FailoverDomainService {
  constructor(private readonly store: Store) {}

  get(scope: TenantScope, id: string): Promise<FailoverDomainEntity> {
    return this.store.repos.failoverDomains.get(scope, id);
  }

  byIds(scope: TenantScope, ids: readonly string[]): Promise<FailoverDomainEntity[]> {
    return this.store.repos.failoverDomains.findByIds(scope, ids);
  }

  page(scope: TenantScope, filter: FailoverDomainFilter, args: PageArgs): Promise<Page<FailoverDomainEntity>> {
    const where: Where<FailoverDomainEntity> = {};
    if (filter.clusterId) where.clusterId = filter.clusterId;
    if (filter.nameContains) where.name = containing(filter.nameContains);
    return this.store.repos.failoverDomains.page(scope, where, args);
  }

  /** First page of domains of many clusters in a fixed number of statements (one list per id, in order). */
  async pageByCluster(scope: TenantScope, clusterIds: readonly string[], args: PageArgs): Promise<Page<FailoverDomainEntity>[]> {
    const pages = await this.store.repos.failoverDomains.pageByParent(scope, 'clusterId', clusterIds, args);
    return clusterIds.map((id) => pages.get(id) ?? { rows: [], hasNextPage: false });
  }

  /** Members of many domains in one statement, most preferred first (one list per id, in order). */
  async membersOf(scope: TenantScope, domainIds: readonly string[]): Promise<FailoverDomainMemberEntity[][]> {
    const rows = await this.store.repos.domainMembers.forDomains(scope, domainIds);
    const byDomain = new Map<string, FailoverDomainMemberEntity[]>();
    for (const r of rows) {
      const list = byDomain.get(r.domainId) ?? [];
      list.push(r);
      byDomain.set(r.domainId, list);
    }
    return domainIds.map((id) => byDomain.get(id) ?? []);
  }

  async create(scope: TenantScope, input: CreateFailoverDomain): Promise<FailoverDomainEntity> {
    const members = input.members ?? [];
    const p = new Problems();
    checkName(p, 'name', input.name);
    checkBooleanIfGiven(p, 'ordered', input.ordered);
    checkBooleanIfGiven(p, 'restricted', input.restricted);
    checkBooleanIfGiven(p, 'nofailback', input.nofailback);
    collectProblems(p, () => checkDomainMembers(members));
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      const cluster = await repos.clusters.get(scope, input.clusterId);
      await this.checkNodes(repos, scope, cluster.id, members);
      if (await repos.failoverDomains.exists(scope, { clusterId: cluster.id, name: input.name })) {
        throw this.duplicate(input.name, cluster.name);
      }
      const domain = await repos.failoverDomains
        .create(scope, {
          clusterId: cluster.id,
          name: input.name,
          ordered: input.ordered ?? false,
          restricted: input.restricted ?? false,
          nofailback: input.nofailback ?? false,
        })
        .catch((err: unknown) => {
          if (isDuplicateKey(err)) throw this.duplicate(input.name, cluster.name);
          throw err;
        });
      await repos.domainMembers.add(scope, domain.id, members);
      await appendEvent(repos, scope, {
        clusterId: cluster.id,
        type: 'failover_domain.created',
        objectType: 'FailoverDomain',
        objectId: domain.id,
        after: domainSnapshot(domain, sortedMembers(members)),
      });
      return domain;
    });
  }

  async update(scope: TenantScope, input: UpdateFailoverDomain): Promise<FailoverDomainEntity> {
    const p = new Problems();
    if (input.name !== undefined) {
      if (input.name === null) p.add('name', 'must be a name (omit the field to keep it)');
      else checkName(p, 'name', input.name);
    }
    checkBooleanIfGiven(p, 'ordered', input.ordered);
    checkBooleanIfGiven(p, 'restricted', input.restricted);
    checkBooleanIfGiven(p, 'nofailback', input.nofailback);
    const members = input.members ?? undefined;
    if (members) collectProblems(p, () => checkDomainMembers(members));
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      const domain = await repos.failoverDomains.lock(scope, input.id);
      const [current] = await this.membersIn(repos, scope, [domain.id]);
      const before = domainSnapshot(domain, current ?? []);
      if (members) await this.checkNodes(repos, scope, domain.clusterId, members);
      if (input.name != null && input.name !== domain.name) {
        if (await repos.failoverDomains.exists(scope, { clusterId: domain.clusterId, name: input.name })) {
          const cluster = await repos.clusters.get(scope, domain.clusterId);
          throw this.duplicate(input.name, cluster.name);
        }
        domain.name = input.name;
      }
      if (input.ordered != null) domain.ordered = input.ordered;
      if (input.restricted != null) domain.restricted = input.restricted;
      if (input.nofailback != null) domain.nofailback = input.nofailback;
      const saved = await repos.failoverDomains.save(scope, domain).catch((err: unknown) => {
        if (isDuplicateKey(err)) throw new ConflictError(`a failover domain named "${domain.name}" already exists in this cluster`, { name: domain.name });
        throw err;
      });
      if (members) await repos.domainMembers.replace(scope, saved.id, members);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'failover_domain.updated',
        objectType: 'FailoverDomain',
        objectId: saved.id,
        before,
        after: domainSnapshot(saved, members ? sortedMembers(members) : (current ?? [])),
      });
      return saved;
    });
  }

  /** Deletes a domain; CONFLICT while a service uses it. Returns it as it was. */
  async delete(scope: TenantScope, id: string): Promise<FailoverDomainEntity> {
    return this.store.transaction(async (repos) => {
      // Locked first, so a service being pointed at this domain (which locks it too) is either
      // committed before the count below or sees the domain gone.
      const domain = await repos.failoverDomains.lock(scope, id);
      const users = await repos.services.page(scope, { failoverDomainId: id }, { first: 5 });
      if (users.rows.length > 0) {
        const total = await repos.services.count(scope, { failoverDomainId: id });
        const names = users.rows.map((s) => `"${s.name}"`).join(', ');
        throw new ConflictError(
          `failover domain "${domain.name}" is used by ${total} service(s) (${names}${total > users.rows.length ? ', ...' : ''}); change their policy first`,
          { services: total },
        );
      }
      const [members] = await this.membersIn(repos, scope, [id]);
      await repos.failoverDomains.delete(scope, { id });
      await appendEvent(repos, scope, {
        clusterId: domain.clusterId,
        type: 'failover_domain.deleted',
        objectType: 'FailoverDomain',
        objectId: domain.id,
        before: domainSnapshot(domain, members ?? []),
      });
      return domain;
    });
  }

  private async membersIn(repos: Repositories, scope: TenantScope, domainIds: readonly string[]): Promise<DomainMember[][]> {
    const rows = await repos.domainMembers.forDomains(scope, domainIds);
    return domainIds.map((id) => rows.filter((r) => r.domainId === id).map((r) => ({ nodeId: r.nodeId, priority: r.priority })));
  }

  /** Every member must name a node of this tenant in the domain's cluster: BAD_USER_INPUT at `members[i].nodeId` otherwise. */
  private async checkNodes(repos: Repositories, scope: TenantScope, clusterId: string, members: readonly DomainMember[]): Promise<void> {
    if (members.length === 0) return;
    const nodes = await repos.nodes.findByIds(
      scope,
      members.map((m) => m.nodeId),
    );
    const p = new Problems();
    checkMemberNodes(p, members, nodes, clusterId);
    p.throwIfAny();
  }

  private duplicate(name: string, clusterName: string): ConflictError {
    return new ConflictError(`a failover domain named "${name}" already exists in cluster "${clusterName}"`, { name });
  }
}
