import { DataSource, EntityManager, In } from 'typeorm';
import { TenantScope } from '@haaas/domain';
import {
  ClusterEntity,
  EventEntity,
  FailoverDomainEntity,
  FailoverDomainMemberEntity,
  FencingAssociationEntity,
  FencingDeviceEntity,
  IncidentEntity,
  NodeEntity,
  OperationEntity,
  WebhookDeliveryEntity,
  WebhookEntity,
  ResourceEntity,
  ServiceEntity,
  ServiceRecoveryEntity,
  TenantEntity,
} from './entities';
import { TenantRepository } from './tenant.repository';
import { AuditLogRepository } from './audit-log.repository';
import { OutboxRepository } from './outbox.repository';

/** Members of failover domains: a composite key, so a small repository of its own. */
export class DomainMemberRepository {
  constructor(private readonly manager: EntityManager) {}

  forDomains(scope: TenantScope, domainIds: readonly string[]): Promise<FailoverDomainMemberEntity[]> {
    if (domainIds.length === 0) return Promise.resolve([]);
    return this.manager.find(FailoverDomainMemberEntity, {
      where: { tenantId: scope.tenantId, domainId: In([...new Set(domainIds)]) },
      order: { domainId: 'ASC', priority: 'ASC', nodeId: 'ASC' },
    });
  }

  countForNode(scope: TenantScope, nodeId: string): Promise<number> {
    return this.manager.countBy(FailoverDomainMemberEntity, { tenantId: scope.tenantId, nodeId });
  }

  /** Replaces the member list of a domain. */
  async replace(scope: TenantScope, domainId: string, members: readonly { nodeId: string; priority: number }[]): Promise<void> {
    await this.manager.delete(FailoverDomainMemberEntity, { tenantId: scope.tenantId, domainId });
    await this.add(scope, domainId, members);
  }

  /**
   * The members of a new domain. No DELETE first: on an empty range it takes gap locks that
   * concurrent creations share, and their inserts then wait on each other ("Deadlock found").
   */
  async add(scope: TenantScope, domainId: string, members: readonly { nodeId: string; priority: number }[]): Promise<void> {
    if (members.length === 0) return;
    await this.manager.insert(
      FailoverDomainMemberEntity,
      members.map((m) => ({ tenantId: scope.tenantId, domainId, nodeId: m.nodeId, priority: m.priority })),
    );
  }
}

/**
 * Tenants: the one table that is not tenant-owned. A tenant reaches only its own row; listing and
 * changing others is for platform admins, checked here as well as in the API.
 */
export class TenantDirectoryRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Creates the tenant if it does not exist yet (first use of a valid token). */
  async ensure(id: string): Promise<void> {
    await this.manager.createQueryBuilder().insert().into(TenantEntity).values({ id }).orIgnore().execute();
  }

  find(id: string): Promise<TenantEntity | null> {
    return this.manager.findOneBy(TenantEntity, { id });
  }

  /** Locks this tenant's row for the transaction, so concurrent creations cannot both pass a quota. */
  async lockOwn(scope: TenantScope): Promise<TenantEntity> {
    // Lock first and create only when missing: INSERT IGNORE on an existing row takes a shared
    // lock, and two transactions upgrading shared locks to exclusive ones deadlock each other.
    const lockRow = () => this.manager.findOne(TenantEntity, { where: { id: scope.tenantId }, lock: { mode: 'pessimistic_write' } });
    let row = await lockRow();
    if (!row) {
      await this.ensure(scope.tenantId);
      row = await lockRow();
    }
    if (!row) throw new Error(`tenant ${scope.tenantId} vanished`);
    return row;
  }

  list(admin: TenantScope, first: number, after?: string | null): Promise<TenantEntity[]> {
    assertAdmin(admin);
    const qb = this.manager.createQueryBuilder(TenantEntity, 't').orderBy('t.id', 'ASC').take(first + 1);
    if (after) qb.where('t.id > :after', { after });
    return qb.getMany();
  }

  /**
   * Rows per tenant in the quota-counted tables, for many tenants in one statement. The caller's
   * own tenant, or any tenants for a platform admin.
   */
  async usageOf(scope: TenantScope, tenantIds: readonly string[]): Promise<Map<string, Record<'clusters' | 'nodes' | 'resources' | 'services', number>>> {
    const ids = [...new Set(tenantIds)];
    if (ids.some((id) => id !== scope.tenantId)) assertAdmin(scope);
    const result = new Map(ids.map((id) => [id, { clusters: 0, nodes: 0, resources: 0, services: 0 }]));
    if (ids.length === 0) return result;
    const tables = ['clusters', 'nodes', 'resources', 'services'] as const;
    const marks = ids.map(() => '?').join(', ');
    // every table has an index starting with tenant_id, so each branch is an index range scan
    const sql = tables.map((t) => `SELECT '${t}' AS kind, tenant_id AS tenant, COUNT(*) AS n FROM \`${t}\` WHERE tenant_id IN (${marks}) GROUP BY tenant_id`).join(' UNION ALL ');
    const rows: { kind: (typeof tables)[number]; tenant: string; n: string | number }[] = await this.manager.query(sql, tables.flatMap(() => ids));
    for (const r of rows) {
      const usage = result.get(r.tenant);
      if (usage) usage[r.kind] = Number(r.n);
    }
    return result;
  }

  /** Nodes by status and open incidents by state, every tenant (metrics): two grouped counts. */
  async stateCounts(admin: TenantScope, closedIncidentStates: readonly string[]): Promise<{ nodes: Map<string, number>; incidents: Map<string, number> }> {
    assertAdmin(admin);
    const nodes: { k: string; n: string | number }[] = await this.manager.query('SELECT status AS k, COUNT(*) AS n FROM `nodes` GROUP BY status');
    const marks = closedIncidentStates.map(() => '?').join(', ') || "''";
    const incidents: { k: string; n: string | number }[] = await this.manager.query(`SELECT state AS k, COUNT(*) AS n FROM \`incidents\` WHERE state NOT IN (${marks}) GROUP BY state`, [...closedIncidentStates]);
    const toMap = (rows: { k: string; n: string | number }[]) => new Map(rows.map((r) => [r.k, Number(r.n)]));
    return { nodes: toMap(nodes), incidents: toMap(incidents) };
  }

  async save(admin: TenantScope, row: TenantEntity): Promise<TenantEntity> {
    assertAdmin(admin);
    return this.manager.save(TenantEntity, row);
  }
}

function assertAdmin(scope: TenantScope): void {
  if (!scope.isAdmin) throw new Error('tenant directory: admin scope required');
}

/** An event appended by a committed transaction, as the Store's commit observers see it. */
export interface CommittedEvent {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly eventId: string;
  readonly type: string;
  readonly nodeId: string | null;
  /** What the event is about, and its `after` snapshot (metrics read timings from it). */
  readonly objectId?: string;
  readonly after?: Readonly<Record<string, unknown>> | null;
}

/** Called once per committed transaction that appended events, with those events. */
export type CommitObserver = (events: readonly CommittedEvent[]) => void | Promise<void>;

/**
 * What a transaction leaves to be done once it has committed: never before (a reader woken
 * earlier would not see the rows yet), never after a rollback. Outside a transaction (each
 * statement commits at once) it is done right away.
 */
export interface AfterCommit {
  /** Runs `fn` after the commit; a failure is logged and never undoes or fails the transaction. */
  run(fn: () => void | Promise<void>): void;
  /** Tells the Store's commit observers, after the commit, that this event was appended. */
  event(e: CommittedEvent): void;
}

export interface Repositories {
  /** Hooks of the current transaction (see AfterCommit). */
  readonly afterCommit: AfterCommit;
  readonly tenants: TenantDirectoryRepository;
  readonly clusters: TenantRepository<ClusterEntity>;
  readonly nodes: TenantRepository<NodeEntity>;
  readonly resources: TenantRepository<ResourceEntity>;
  readonly services: TenantRepository<ServiceEntity>;
  readonly failoverDomains: TenantRepository<FailoverDomainEntity>;
  readonly domainMembers: DomainMemberRepository;
  readonly fencingDevices: TenantRepository<FencingDeviceEntity>;
  readonly fencingAssociations: TenantRepository<FencingAssociationEntity>;
  readonly events: TenantRepository<EventEntity>;
  readonly incidents: TenantRepository<IncidentEntity>;
  readonly serviceRecoveries: TenantRepository<ServiceRecoveryEntity>;
  readonly operations: TenantRepository<OperationEntity>;
  readonly webhooks: TenantRepository<WebhookEntity>;
  readonly webhookDeliveries: TenantRepository<WebhookDeliveryEntity>;
  readonly audit: AuditLogRepository;
  readonly outbox: OutboxRepository;
}

function repositoriesOf(manager: EntityManager, afterCommit: AfterCommit): Repositories {
  return {
    afterCommit,
    tenants: new TenantDirectoryRepository(manager),
    clusters: new TenantRepository(manager.getRepository(ClusterEntity), 'Cluster'),
    nodes: new TenantRepository(manager.getRepository(NodeEntity), 'Node'),
    resources: new TenantRepository(manager.getRepository(ResourceEntity), 'Resource'),
    services: new TenantRepository(manager.getRepository(ServiceEntity), 'Service'),
    failoverDomains: new TenantRepository(manager.getRepository(FailoverDomainEntity), 'FailoverDomain'),
    domainMembers: new DomainMemberRepository(manager),
    fencingDevices: new TenantRepository(manager.getRepository(FencingDeviceEntity), 'FencingDevice'),
    fencingAssociations: new TenantRepository(manager.getRepository(FencingAssociationEntity), 'FencingAssociation'),
    events: new TenantRepository(manager.getRepository(EventEntity), 'Event'),
    incidents: new TenantRepository(manager.getRepository(IncidentEntity), 'Incident'),
    serviceRecoveries: new TenantRepository(manager.getRepository(ServiceRecoveryEntity), 'ServiceRecovery'),
    operations: new TenantRepository(manager.getRepository(OperationEntity), 'Operation'),
    webhooks: new TenantRepository(manager.getRepository(WebhookEntity), 'Webhook'),
    webhookDeliveries: new TenantRepository(manager.getRepository(WebhookDeliveryEntity), 'WebhookDelivery'),
    audit: new AuditLogRepository(manager),
    outbox: new OutboxRepository(manager),
  };
}

const DEADLOCK_ATTEMPTS = 4;

/** ER_LOCK_DEADLOCK (1213) and ER_LOCK_WAIT_TIMEOUT (1205): the transaction was rolled back and may be retried. */
export function isDeadlock(err: unknown): boolean {
  const e = err as { errno?: number; driverError?: { errno?: number } } | null;
  const errno = e?.errno ?? e?.driverError?.errno;
  return errno === 1213 || errno === 1205;
}

/** The after-commit work one transaction collected (one per attempt: a rolled-back attempt's is dropped). */
class PendingCommit implements AfterCommit {
  readonly callbacks: (() => void | Promise<void>)[] = [];
  readonly events: CommittedEvent[] = [];

  run(fn: () => void | Promise<void>): void {
    this.callbacks.push(fn);
  }

  event(e: CommittedEvent): void {
    this.events.push(e);
  }
}

export interface StoreOptions {
  /** Where failures of after-commit work go (default: console.warn). */
  readonly log?: (line: string) => void;
  /**
   * How long `transaction` waits for its after-commit work before returning anyway (default 1 s):
   * long enough that a caller sees its effects done (a left node's token refused), short enough
   * that a stuck Redis does not stall every writer.
   */
  readonly afterCommitWaitMs?: number;
}

/** Entry point of the persistence layer: repositories for reads, and transactions for writes. */
export class Store {
  readonly repos: Repositories;
  private readonly observers = new Set<CommitObserver>();
  private readonly log: (line: string) => void;
  private readonly afterCommitWaitMs: number;

  constructor(
    private readonly dataSource: DataSource,
    options: StoreOptions = {},
  ) {
    this.log = options.log ?? ((line) => console.warn(line));
    this.afterCommitWaitMs = options.afterCommitWaitMs ?? 1000;
    // outside a transaction every statement has committed when it returns: hooks start at once
    // (nobody awaits them: the callers of `run`/`event` are synchronous)
    this.repos = repositoriesOf(dataSource.manager, {
      run: (fn) => void this.settle([fn], []),
      event: (e) => void this.settle([], [e]),
    });
  }

  /**
   * Runs `fn` in one transaction (REPEATABLE READ, InnoDB's default): all of it or none of it.
   * A transaction InnoDB picked as a deadlock victim was rolled back whole, so it is run again
   * (a few times, with jitter); `fn` must therefore have no effects outside the database, except
   * through `repos.afterCommit`, which runs after the successful commit only.
   */
  async transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const pending = new PendingCommit();
      let result: T;
      try {
        result = await this.dataSource.transaction((manager) => fn(repositoriesOf(manager, pending)));
      } catch (err) {
        if (!isDeadlock(err) || attempt >= DEADLOCK_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        continue;
      }
      await this.settle(pending.callbacks, pending.events);
      return result;
    }
  }

  /**
   * Observes every committed transaction that appended events, in this process (whatever wrote
   * them: the API, the detector, the recovery). Returns the function that stops observing.
   */
  observeCommits(observer: CommitObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Runs the after-commit work, waiting for it at most afterCommitWaitMs; failures are logged, never thrown. */
  private async settle(callbacks: readonly (() => void | Promise<void>)[], events: readonly CommittedEvent[]): Promise<void> {
    const observers = events.length > 0 ? [...this.observers] : [];
    const work = [...callbacks, ...observers.map((o) => () => o(events))];
    if (work.length === 0) return;
    const runs = work.map((fn) => {
      try {
        return Promise.resolve(fn()).catch((err: unknown) => this.failed(err));
      } catch (err) {
        this.failed(err);
        return Promise.resolve();
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.afterCommitWaitMs);
      timer.unref();
    });
    await Promise.race([Promise.all(runs), late]);
    clearTimeout(timer);
  }

  private failed(err: unknown): void {
    this.log(`after-commit work failed (the transaction stays committed): ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Readiness: one round trip to the database. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
