import { randomBytes } from 'node:crypto';
import { BadInputError, DEFAULT_TENANT_QUOTA, DomainError, Hypervisor, NodeKind, NodeStatus, RecoveryAction, ServiceState, TenantScope } from '@haaas/domain';
import { openDataSource, queryCounter, runMigrations, Store } from '@haaas/persistence';
import type { ClusterEntity, NewRow, NodeEntity, ServiceEntity } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { ClusterService } from '../cluster.service';
import { EventLogService } from '../cluster-log/event-log.service';
import type { FenceAgentCatalog } from '../fencing/fence-agent.catalog';
import { FencingDeviceService } from '../fencing/fencing-device.service';
import { TenantDirectoryService } from '../tenants/tenant-directory.service';
import { TenantService } from '../tenants/tenant.service';
import { NodeService } from '../inventory/node.service';
import { ResourceService } from '../inventory/resource.service';
import type { SecretSealer } from '../management.tokens';
import { QuotaService } from '../quota.service';
import { FailoverDomainService } from '../service-groups/failover-domain.service';
import { ServiceGroupService } from '../service-groups/service-group.service';

/**
 * Shared set-up of the management library's integration tests: a fresh migrated database per test
 * file and every service built directly on it (no Nest). Tests only: not exported from the library.
 */

export const alice = TenantScope.of('alice', { subject: 'alice@example.com', roles: ['member'] });
export const aliceReader = TenantScope.of('alice', { subject: 'alice-reader@example.com', roles: ['reader'] });
export const bob = TenantScope.of('bob', { subject: 'bob@example.com', roles: ['member'] });
export const carol = TenantScope.of('carol', { subject: 'carol@example.com', roles: ['member'] });
export const platformAdmin = TenantScope.of('ops', { subject: 'ops-admin@example.com', roles: ['admin'] });

/** A real SecretBox sealer that counts how often secrets are opened. */
export class CountingSealer implements SecretSealer {
  private readonly box = new SecretBox({ keys: new Map([['k1', randomBytes(32)]]), activeKeyId: 'k1' });
  opened = 0;

  seal(plaintext: string, context: string): string {
    return this.box.encrypt(plaintext, context);
  }

  open(sealed: string, context: string): string {
    this.opened += 1;
    return this.box.decrypt(sealed, context);
  }
}

/** A catalog whose answer a test sets. */
export class ScriptedCatalog implements FenceAgentCatalog {
  answer: { field: string; message: string }[] = [];
  async check(): Promise<readonly { field: string; message: string }[]> {
    return this.answer;
  }
}

export interface Harness {
  readonly db: TestDatabase;
  readonly store: Store;
  readonly sealer: CountingSealer;
  readonly catalog: ScriptedCatalog;
  readonly quota: QuotaService;
  readonly clusters: ClusterService;
  readonly nodes: NodeService;
  readonly resources: ResourceService;
  readonly domains: FailoverDomainService;
  readonly services: ServiceGroupService;
  readonly devices: FencingDeviceService;
  readonly log: EventLogService;
  readonly tenants: TenantService;
  readonly directory: TenantDirectoryService;
  /** Rows of a table read with plain SQL, bypassing the repositories. */
  sql<T>(query: string, params?: unknown[]): Promise<T[]>;
  /** The tenant's rows in `tables`, as one string: the same before and after shows that a failed call wrote nothing. */
  tenantRows(scope: TenantScope, tables: readonly string[]): Promise<string>;
  /** SQL statements run while `fn` runs. */
  statementsOf(fn: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

/** Call in beforeAll, with `afterAll(() => h?.close())`. */
export async function startHarness(): Promise<Harness> {
  const db = await createTestDatabase();
  await runMigrations({ url: db.url });
  const ds = await openDataSource({ url: db.url });
  const store = new Store(ds);
  const sealer = new CountingSealer();
  const catalog = new ScriptedCatalog();
  const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
  const sql = <T>(query: string, params?: unknown[]) => ds.query(query, params) as Promise<T[]>;
  return {
    db,
    store,
    sealer,
    catalog,
    quota,
    clusters: new ClusterService(store, quota),
    nodes: new NodeService(store, quota, sealer),
    resources: new ResourceService(store, quota),
    domains: new FailoverDomainService(store),
    services: new ServiceGroupService(store, quota),
    devices: new FencingDeviceService(store, sealer, catalog),
    log: new EventLogService(store),
    tenants: new TenantService(store, quota),
    directory: new TenantDirectoryService(store),
    sql,
    tenantRows: async (scope, tables) => {
      const out: Record<string, unknown> = {};
      // column 1 is the id, or the first half of the key of a link table
      for (const t of tables) out[t] = await sql(`SELECT * FROM ${t} WHERE tenant_id = ? ORDER BY 1, 2`, [scope.tenantId]);
      return JSON.stringify(out);
    },
    statementsOf: async (fn) =>
      queryCounter.run(async () => {
        await fn();
        return queryCounter.current() ?? 0;
      }),
    close: async () => {
      await ds.destroy();
      await db.drop();
    },
  };
}

let serial = 0;

export function createCluster(h: Harness, scope: TenantScope, hypervisor = Hypervisor.KVM): Promise<ClusterEntity> {
  serial += 1;
  return h.clusters.create(scope, { name: `c${serial}`, hypervisor });
}

/** A node row written straight through the repository (no join, no event). */
export function createNode(h: Harness, scope: TenantScope, clusterId: string, hostname = `node${++serial}.example.com`): Promise<NodeEntity> {
  return h.store.transaction((repos) =>
    repos.nodes.create(scope, {
      clusterId,
      hostname,
      kind: NodeKind.PHYSICAL,
      status: NodeStatus.ONLINE,
      maintenance: false,
      endpointUri: `qemu+ssh://root@${hostname}/system`,
      endpointUsername: null,
      endpointSecret: null,
      checkAddress: null,
      cpus: 16,
      memoryMb: 65536,
      attributes: {},
    }),
  );
}

/** A service row written straight through the repository (no validation, no event): STOPPED on no node unless `over` says otherwise. */
export function createService(h: Harness, scope: TenantScope, clusterId: string, name: string, over: Partial<NewRow<ServiceEntity>> = {}): Promise<ServiceEntity> {
  return h.store.transaction((repos) =>
    repos.services.create(scope, {
      clusterId,
      name,
      state: ServiceState.STOPPED,
      currentNodeId: null,
      failoverDomainId: null,
      priority: 50,
      recoveryAction: RecoveryAction.RELOCATE,
      startTimeoutSeconds: 300,
      stopTimeoutSeconds: 300,
      maxRestarts: 3,
      restartWindowSeconds: 3600,
      maxRelocations: 3,
      autostart: true,
      antiAffinityGroup: null,
      recoveryTimeObjectiveSeconds: null,
      attributes: {},
      ...over,
    }),
  );
}

/** What a promise rejects with (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure, the call succeeded');
}

/** The error a promise rejects with, as plain data (fails the test if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string; problems?: { field: string; message: string }[] }> {
  const e = (await rejectionOf(promise)) as { code?: string; message: string; problems?: { field: string; message: string }[] };
  return { code: e.code, message: e.message, problems: e.problems };
}

/** The domain error a promise rejects with; any other error, or none, fails the test. */
export async function errorOf(promise: Promise<unknown>): Promise<DomainError> {
  const err = await rejectionOf(promise);
  if (err instanceof DomainError) return err;
  throw err;
}

/** The fields a BAD_USER_INPUT error names, in the order reported. */
export function fieldsOf(err: DomainError): string[] {
  return err instanceof BadInputError ? err.problems.map((p) => p.field) : [];
}
