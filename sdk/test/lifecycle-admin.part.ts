/**
 * Part of lifecycle.e2e-spec.ts (split off for its length, same `live` API, so the file's check
 * that every root field was answered through the SDK counts these): a cluster's webhooks and a
 * tenant's rate limits and the audit log, as their owners see them; empty ids refused.
 */
import { ForbiddenError, NotFoundError } from '@haaas/sdk';
import type { LiveApi } from './live';

export function webhooksAndRateLimits(liveApi: () => LiveApi): void {
  describe('the SDK against the live API: webhooks, rate limits, empty ids', () => {
    it('refuses an empty id as BAD_USER_INPUT naming the argument, not as NOT_FOUND (issue 17)', async () => {
      const client = await liveApi().client('sdk-hooks');
      const serviceId = '01000000-0000-7000-8000-000000000000';
      await expect(client.clusters.get('')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'id', message: 'must not be empty' }] });
      await expect(client.nodes.failoverPlan('')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'nodeId' }] });
      await expect(client.services.removeResource(serviceId, '')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'resourceId' }] });
    });

    it('webhooks: create (secret write-only), read, list, update, test delivery and its log, delete', async () => {
      const client = await liveApi().client('sdk-hooks');
      const cluster = await client.clusters.create({ name: 'hooked', hypervisor: 'KVM' });
      const hook = await client.webhooks.create({ clusterId: cluster.id, url: 'http://127.0.0.1:9/hook', eventTypes: ['INCIDENT_OPENED'], secret: 'whsec-Secr3t-0123456789' });
      expect(hook).toMatchObject({ clusterId: cluster.id, url: 'http://127.0.0.1:9/hook', eventTypes: ['INCIDENT_OPENED'], enabled: true });
      expect(JSON.stringify(hook)).not.toContain('whsec-Secr3t-0123456789');
      expect(await client.webhooks.get(hook.id)).toEqual(hook);
      expect((await client.webhooks.list(cluster.id)).map((w) => w.id)).toEqual([hook.id]);
      const updated = await client.webhooks.update({ id: hook.id, eventTypes: ['INCIDENT_OPENED', 'INCIDENT_RECOVERED'], description: 'pager' });
      expect(updated).toMatchObject({ eventTypes: expect.arrayContaining(['INCIDENT_OPENED', 'INCIDENT_RECOVERED']), description: 'pager' });
      const delivery = await client.webhooks.test(hook.id);
      expect(delivery).toMatchObject({ webhookId: hook.id });
      expect((await client.webhooks.deliveries(hook.id).toArray()).map((d) => d.id)).toContain(delivery.id);
      await client.webhooks.delete(hook.id);
      await expect(client.webhooks.get(hook.id)).rejects.toBeInstanceOf(NotFoundError);
      await client.clusters.destroy(cluster.id, { force: true });
    });

    it("a tenant's rate limits: read and set by a platform admin, refused to the tenant's members", async () => {
      const admin = await liveApi().client('platform', ['admin']);
      await admin.tenants.create({ id: 'limits-co', displayName: 'Limits Co' });
      const set = await admin.tenants.setRateLimits({ id: 'limits-co', tenant: { burst: 500, perSecond: 50 } });
      expect(set).toMatchObject({ tenantId: 'limits-co', tenant: { burst: 500, perSecond: 50 } });
      expect(await admin.tenants.rateLimits('limits-co')).toEqual(set);
      const member = await liveApi().client('limits-co');
      await expect(member.tenants.rateLimits('limits-co')).rejects.toBeInstanceOf(ForbiddenError);
    });

    it('the audit log: what admins did, newest first, filtered, paged; refused to tenant members', async () => {
      const admin = await liveApi().client('platform', ['admin']);
      await admin.tenants.create({ id: 'audited-co' });
      await admin.tenants.setQuota({ id: 'audited-co', maxClusters: 3 });
      const entries = await admin.tenants.auditLog({ tenantId: 'audited-co' }).toArray();
      expect(entries.map((e) => e.action)).toEqual(['tenant.quota_changed', 'tenant.created']);
      expect(entries[0]).toMatchObject({ tenantId: 'audited-co', actor: expect.any(String), targetType: 'Tenant', targetId: 'audited-co', details: { maxClusters: 3 } });
      const paged = await admin.tenants.auditLog({ tenantId: 'audited-co', pageSize: 1 }).toArray();
      expect(paged.map((e) => e.id)).toEqual(entries.map((e) => e.id));
      expect((await admin.tenants.auditLog({ action: 'tenant.created', tenantId: 'audited-co' }).toArray()).map((e) => e.action)).toEqual(['tenant.created']);
      const member = await liveApi().client('audited-co', ['member']);
      await expect(member.tenants.auditLog().toArray()).rejects.toBeInstanceOf(ForbiddenError);
    });
  });
}
