import { DataSource } from 'typeorm';
import { ClusterState, Hypervisor, NodeKind, NodeStatus, TenantScope } from '@haaas/domain';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { openDataSource, pendingSchemaChanges, runMigrations } from './data-source';
import { anyOf } from './tenant.repository';
import { ClusterEntity } from './entities';
import { queryCounter } from './query-counter';
import { Store } from './store';

const actor = { subject: 'tester', roles: ['member' as const] };
const alice = TenantScope.of('alice', actor);
const bob = TenantScope.of('bob', actor);

function clusterFields(name: string): Omit<ClusterEntity, 'id' | 'tenantId' | 'createdAt' | 'updatedAt' | 'version'> {
  return {
    name,
    description: null,
    hypervisor: Hypervisor.KVM,
    state: ClusterState.STOPPED,
    heartbeatIntervalSeconds: 1,
    deadtimeSeconds: 10,
    fencingRequired: true,
    minHealthyNodes: 2,
    failbackStabilisationSeconds: 300,
    fenceRetrySeconds: 30,
    attributes: {},
  };
}

describe('persistence on MariaDB', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    ds = await openDataSource({ url: db.url, poolSize: 4 });
    store = new Store(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('has migrations that agree with the entities (generating one would yield nothing)', async () => {
    expect(await pendingSchemaChanges(ds)).toEqual([]);
  });

  it('runs every pooled connection in UTC, whatever the server default', async () => {
    const zones = await Promise.all(
      Array.from({ length: 8 }, () => ds.transaction(async (m) => (await m.query('SELECT @@session.time_zone AS tz, SLEEP(0.05) AS s'))[0].tz as string)),
    );
    expect(new Set(zones)).toEqual(new Set(['+00:00']));
  });

  it('uses InnoDB and utf8mb4 for every table', async () => {
    const rows: { TABLE_NAME: string; ENGINE: string; TABLE_COLLATION: string }[] = await ds.query(
      'SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
    );
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const r of rows) {
      expect(r.ENGINE).toBe('InnoDB');
      expect(r.TABLE_COLLATION).toMatch(/^utf8mb4/);
    }
  });

  it('gives every tenant-owned table a tenant_id column', async () => {
    const rows: { TABLE_NAME: string }[] = await ds.query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT IN ('tenants', 'migrations')",
    );
    for (const { TABLE_NAME } of rows) {
      const cols: unknown[] = await ds.query(
        "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'tenant_id'",
        [TABLE_NAME],
      );
      expect({ table: TABLE_NAME, hasTenant: cols.length === 1 }).toEqual({ table: TABLE_NAME, hasTenant: true });
    }
  });

  it("keeps tenants apart: another tenant's id reads as absent and cannot be changed or deleted", async () => {
    const mine = await store.repos.clusters.create(alice, clusterFields('iso-a'));
    expect(mine.tenantId).toBe('alice');
    expect(await store.repos.clusters.findById(bob, mine.id)).toBeNull();
    await expect(store.repos.clusters.get(bob, mine.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.repos.clusters.save(bob, { ...mine, name: 'stolen' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await store.repos.clusters.delete(bob, { id: mine.id })).toBe(0);
    expect(await store.repos.clusters.count(bob)).toBe(0);
    expect((await store.repos.clusters.get(alice, mine.id)).name).toBe('iso-a');
  });

  it('cannot be tricked into another tenant by a tenantId in the where clause', async () => {
    const mine = await store.repos.clusters.create(alice, clusterFields('iso-b'));
    const where = { id: mine.id, tenantId: 'alice' } as unknown as Parameters<typeof store.repos.clusters.findOne>[1];
    expect(await store.repos.clusters.findOne(bob, where)).toBeNull();
  });

  it('pages by keyset in creation order', async () => {
    const scope = TenantScope.of('pager', actor);
    for (let i = 0; i < 7; i++) await store.repos.clusters.create(scope, clusterFields(`p${i}`));
    const first = await store.repos.clusters.page(scope, {}, { first: 3 });
    expect(first.rows.map((r) => r.name)).toEqual(['p0', 'p1', 'p2']);
    expect(first.hasNextPage).toBe(true);
    const last = await store.repos.clusters.page(scope, {}, { first: 5, after: first.rows[2]?.id });
    expect(last.rows.map((r) => r.name)).toEqual(['p3', 'p4', 'p5', 'p6']);
    expect(last.hasNextPage).toBe(false);
  });

  it('loads the first page of children of many parents in a constant number of statements', async () => {
    const scope = TenantScope.of('batch', actor);
    const clusters: ClusterEntity[] = [];
    for (let i = 0; i < 4; i++) clusters.push(await store.repos.clusters.create(scope, clusterFields(`b${i}`)));
    let n = 0;
    for (const c of clusters) {
      for (let j = 0; j < 3; j++) {
        await store.repos.nodes.create(scope, {
          clusterId: c.id,
          hostname: `h${n++}.example`,
          kind: NodeKind.PHYSICAL,
          status: NodeStatus.ONLINE,
          maintenance: false,
          endpointUri: 'test:///default',
          endpointUsername: null,
          endpointSecret: null,
          checkAddress: null,
          cpus: 8,
          memoryMb: 1024,
          attributes: {},
        });
      }
    }
    const count = async (ids: string[]) =>
      queryCounter.run(async () => {
        const pages = await store.repos.nodes.pageByParent(scope, 'clusterId', ids, { first: 2 });
        return { statements: queryCounter.current(), pages };
      });
    const small = await count(clusters.slice(0, 1).map((c) => c.id));
    const large = await count(clusters.map((c) => c.id));
    expect(large.statements).toBe(small.statements);
    for (const c of clusters) {
      const page = large.pages.get(c.id);
      expect(page?.rows).toHaveLength(2);
      expect(page?.hasNextPage).toBe(true);
      expect(page?.rows.every((r) => r.clusterId === c.id)).toBe(true);
    }
    const filtered = await store.repos.nodes.pageByParent(scope, 'clusterId', clusters.map((c) => c.id), { first: 5 }, { hostname: 'h4.example' });
    expect([...filtered.values()].flatMap((p) => p.rows.map((r) => r.hostname))).toEqual(['h4.example']);
    const other = await store.repos.nodes.pageByParent(bob, 'clusterId', [clusters[0]?.id ?? ''], { first: 2 });
    expect(other.get(clusters[0]?.id ?? '')?.rows).toEqual([]);
  });

  it('selects plain rows of some columns, values converted as find converts them, tenant-scoped', async () => {
    const scope = TenantScope.of('plain', actor);
    const a = await store.repos.clusters.create(scope, { ...clusterFields('plain-a'), attributes: { tier: 'gold' }, fencingRequired: false });
    const b = await store.repos.clusters.create(scope, clusterFields('plain-b'));
    await store.repos.clusters.create(bob, clusterFields('plain-bob'));
    const rows = await store.repos.clusters.select(scope, {}, ['id', 'name', 'attributes', 'fencingRequired', 'createdAt', 'description']);
    const found = await store.repos.clusters.find(scope);
    expect(rows).toEqual(found.map((c) => ({ id: c.id, name: c.name, attributes: c.attributes, fencingRequired: c.fencingRequired, createdAt: c.createdAt, description: c.description })));
    expect(rows.map((r) => r.id)).toEqual([a.id, b.id]);
    expect(rows[0]?.fencingRequired).toBe(false);
    expect(rows[0]?.attributes).toEqual({ tier: 'gold' });
    expect(rows[0]).not.toBeInstanceOf(ClusterEntity);
    expect(await store.repos.clusters.select(scope, { name: 'plain-b' }, ['id'])).toEqual([{ id: b.id }]);
    // another tenant's rows are never selected, whatever the filter says
    expect(await store.repos.clusters.select(scope, { name: 'plain-bob' }, ['id'])).toEqual([]);
    await expect(store.repos.clusters.select(scope, {}, ['nope' as 'id'])).rejects.toThrow('no column nope');
  });

  it('updates one row by id without reading it, and only within the tenant', async () => {
    const scope = TenantScope.of('upd', actor);
    const c = await store.repos.clusters.create(scope, clusterFields('upd-a'));
    await store.repos.clusters.update(scope, c.id, { description: 'changed', attributes: { k: 'v' } });
    const after = await store.repos.clusters.get(scope, c.id);
    expect(after.description).toBe('changed');
    expect(after.attributes).toEqual({ k: 'v' });
    expect(after.version).toBe(c.version + 1);
    await expect(store.repos.clusters.update(bob, c.id, { description: 'stolen' })).rejects.toThrow(/not found/i);
    expect((await store.repos.clusters.get(scope, c.id)).description).toBe('changed');
  });

  it('inserts many rows of a tenant in a few statements, and locks a row that may be gone', async () => {
    const scope = TenantScope.of('many', actor);
    const fields = Array.from({ length: 1203 }, (_, i) => clusterFields(`many-${String(i).padStart(4, '0')}`));
    const statements = await queryCounter.run(async () => {
      await store.repos.clusters.insertMany(scope, fields);
      return queryCounter.current();
    });
    // three chunks of at most 500 rows (TypeORM may read generated columns back once per chunk)
    expect(statements).toBeLessThanOrEqual(6);
    const rows = await store.repos.clusters.select(scope, {}, ['name', 'tenantId']);
    expect(rows.map((r) => r.name)).toEqual(fields.map((f) => f.name));
    expect(new Set(rows.map((r) => r.tenantId))).toEqual(new Set(['many']));
    await store.transaction(async (repos) => {
      const first = await repos.clusters.findOne(scope, { name: 'many-0000' });
      expect((await repos.clusters.lockIfExists(scope, first?.id ?? ''))?.name).toBe('many-0000');
      expect(await repos.clusters.lockIfExists(bob, first?.id ?? '')).toBeNull();
      expect(await repos.clusters.lockIfExists(scope, 'no-such-id')).toBeNull();
      const some = rows.slice(0, 3).map((r) => r.name);
      const ids = (await repos.clusters.select(scope, { name: anyOf(some) }, ['id'])).map((r) => r.id);
      const locked = await repos.clusters.lockMany(scope, [...ids].reverse().concat(['no-such-id']));
      expect(locked.map((c) => c.name)).toEqual(some);
      expect(await repos.clusters.lockMany(bob, ids)).toEqual([]);
    });
  });

  it('rolls a transaction back whole', async () => {
    const scope = TenantScope.of('tx', actor);
    await expect(
      store.transaction(async (repos) => {
        await repos.clusters.create(scope, clusterFields('tx1'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.repos.clusters.count(scope)).toBe(0);
  });
});
