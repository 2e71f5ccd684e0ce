import type { DataSource } from 'typeorm';
import { TenantScope } from '@haaas/domain';
import { runWithLogContext } from '@haaas/logging';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { AuditLogRepository } from './audit-log.repository';
import { openDataSource, runMigrations } from './data-source';
import { Store } from './store';

/** The audit log on real MariaDB: append and read only, UPDATE and DELETE refused by the database itself. */
describe('audit log (append-only)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let store: Store;
  const admin = TenantScope.of('platform', { subject: 'ops@platform', roles: ['admin'] });
  const member = TenantScope.of('acme', { subject: 'alice', roles: ['member'] });

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    ds = await openDataSource({ url: db.url, poolSize: 2 });
    store = new Store(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('appends entries with who and which request, lists them newest first, filtered and paged, for admins only', async () => {
    const first = await store.repos.audit.append(admin, { action: 'tenant.created', tenantId: 'acme', targetId: 'acme', details: { displayName: 'Acme' } });
    const second = await runWithLogContext({}, () => store.repos.audit.append(admin, { action: 'tenant.quota_changed', tenantId: 'acme', targetId: 'acme', details: { maxNodes: 5 } }), { id: 'req-42' });
    await store.repos.audit.append(member, { action: 'node.agent_token_issued', targetId: 'n-1', details: { fingerprint: 'sha256:abc' } });
    const all = await store.repos.audit.list(admin, { first: 10, tenantId: 'acme' });
    expect(all.map((e) => e.id)).toEqual([expect.any(String), second, first]);
    expect(all[1]).toMatchObject({ action: 'tenant.quota_changed', actor: 'ops@platform', targetType: 'Tenant', details: { maxNodes: 5 }, requestId: 'req-42' });
    expect(all[2]?.requestId).toBeNull();
    expect((await store.repos.audit.list(admin, { first: 10, action: 'tenant.created' })).map((e) => e.id)).toEqual([first]);
    expect((await store.repos.audit.list(admin, { first: 1, after: second, tenantId: 'acme' })).map((e) => e.id)).toEqual([first]);
    expect(() => store.repos.audit.list(member, { first: 10 })).toThrow(/admin/);
  });

  it('has no way to change or remove an entry: no such method, and the database refuses UPDATE and DELETE', async () => {
    expect(Object.getOwnPropertyNames(AuditLogRepository.prototype).sort()).toEqual(['append', 'constructor', 'list']);
    await expect(ds.query(`UPDATE audit_log SET action = 'tenant.created'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    const [row] = (await ds.query(`SELECT COUNT(*) AS n FROM audit_log`)) as { n: string | number }[];
    expect(Number(row?.n)).toBe(3);
  });
});
