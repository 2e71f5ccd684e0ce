import { randomBytes } from 'node:crypto';
import { DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, NodeStatus, TenantScope } from '@haaas/domain';
import { createDataSource, queryCounter, runMigrations, Store } from '@haaas/persistence';
import type { ClusterEntity, NodeEntity } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { ClusterService } from '../cluster.service';
import type { SecretSealer } from '../management.tokens';
import { QuotaService } from '../quota.service';
import { EventLogService } from './event-log.service';
import type { FenceAgentCatalog } from './fence-agent.catalog';
import { FencingDeviceService } from './fencing-device.service';
import { TenantDirectoryService } from './tenant-directory.service';
import { TenantService } from './tenant.service';

/** Shared set-up of this area's integration tests: a fresh migrated database and the services, built directly. */

export const alice = TenantScope.of('alice', { subject: 'alice-user', roles: ['member'] });
export const aliceReader = TenantScope.of('alice', { subject: 'alice-reader', roles: ['reader'] });
export const bob = TenantScope.of('bob', { subject: 'bob-user', roles: ['member'] });
export const platformAdmin = TenantScope.of('ops', { subject: 'ops-admin', roles: ['admin'] });

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
  readonly devices: FencingDeviceService;
  readonly log: EventLogService;
  readonly tenants: TenantService;
  readonly directory: TenantDirectoryService;
  /** Rows of a table read with plain SQL, bypassing the repositories. */
  sql<T>(query: string, params?: unknown[]): Promise<T[]>;
  /** SQL statements run while `fn` runs. */
  statementsOf(fn: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const db = await createTestDatabase();
  await runMigrations({ url: db.url });
  const ds = createDataSource({ url: db.url, poolSize: 5 });
  await ds.initialize();
  const store = new Store(ds);
  const sealer = new CountingSealer();
  const catalog = new ScriptedCatalog();
  const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
  return {
    db,
    store,
    sealer,
    catalog,
    quota,
    clusters: new ClusterService(store, quota),
    devices: new FencingDeviceService(store, sealer, catalog),
    log: new EventLogService(store),
    tenants: new TenantService(store, quota),
    directory: new TenantDirectoryService(store),
    sql: <T>(query: string, params?: unknown[]) => ds.query(query, params) as Promise<T[]>,
    statementsOf: async (fn) => queryCounter.run(async () => {
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

export function createNode(h: Harness, scope: TenantScope, clusterId: string): Promise<NodeEntity> {
  serial += 1;
  return h.store.repos.nodes.create(scope, {
    clusterId,
    hostname: `node${serial}.example.com`,
    kind: NodeKind.PHYSICAL,
    status: NodeStatus.ONLINE,
    maintenance: false,
    endpointUri: `qemu+ssh://root@node${serial}.example.com/system`,
    endpointUsername: null,
    endpointSecret: null,
    checkAddress: null,
    cpus: 8,
    memoryMb: 16384,
    attributes: {},
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string; problems?: { field: string; message: string }[] }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: string; message: string; problems?: { field: string; message: string }[] };
    return { code: e.code, message: e.message, problems: e.problems };
  }
  throw new Error('expected a failure, it succeeded');
}
