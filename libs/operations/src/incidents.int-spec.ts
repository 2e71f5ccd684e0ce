import { DEFAULT_TENANT_QUOTA, FenceStepState, Hypervisor, IncidentState, NotFoundError, RtoOutcome, ServiceRecoveryState, TenantScope } from '@haaas/domain';
import { ClusterService, QuotaService } from '@haaas/management';
import { openDataSource, runMigrations, Store } from '@haaas/persistence';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import type { IncidentRecordJson } from '@haaas/recovery';
import { IncidentsService } from './incidents.service';

/**
 * Incidents as the API shows them, from rows as the recovery engine writes them: timings, fencing
 * as it went, each service's time to recover against its RTO, tenant scoping and filters.
 */
const alice = TenantScope.of('alice', { subject: 'a', roles: ['member'] });
const bob = TenantScope.of('bob', { subject: 'b', roles: ['member'] });
type DataSource = Awaited<ReturnType<typeof openDataSource>>;

let db: TestDatabase;
let ds: DataSource;
let store: Store;
let incidents: IncidentsService;
let clusterId: string;
let incidentId: string;
const t0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (s: number) => new Date(t0 + s * 1000);

beforeAll(async () => {
  db = await createTestDatabase();
  await runMigrations({ url: db.url });
  ds = await openDataSource({ url: db.url });
  store = new Store(ds);
  incidents = new IncidentsService(store);
  clusterId = (await new ClusterService(store, new QuotaService(DEFAULT_TENANT_QUOTA)).create(alice, { name: 'east', hypervisor: Hypervisor.KVM })).id;
  const json: IncidentRecordJson = {
    v: 1,
    required: true,
    levels: [
      { level: 1, state: FenceStepState.FAILED, devices: [{ deviceId: 'd1', state: FenceStepState.FAILED, error: 'TIMEOUT: no answer', atMs: t0 + 14_000, name: 'pdu', agent: 'fence_apc' }] },
      { level: 2, state: FenceStepState.SUCCEEDED, devices: [{ deviceId: 'd2', state: FenceStepState.SUCCEEDED, error: null, atMs: t0 + 16_000, name: 'bmc', agent: 'fence_ipmilan', powerState: 'off', latencyMs: 900, attempts: 1 }] },
    ],
    fencedBy: 'DEVICE',
    confirmedBy: null,
    proceededUnfenced: false,
    awaiting: null,
    detectedAtMs: t0 + 10_000,
    fencingStartedAtMs: t0 + 12_000,
    recoveryStartedAtMs: t0 + 16_500,
    parallelism: 8,
  };
  await store.transaction(async (repos) => {
    const incident = await repos.incidents.create(alice, {
      clusterId,
      nodeId: '01000000-0000-7000-8000-00000000000a',
      idempotencyKey: 'east/a/1',
      state: IncidentState.PARTIALLY_RECOVERED,
      source: 'DETECTOR',
      reason: 'no heartbeat for 12 s, hypervisor unreachable; 2 running, 1 failed, 1 skipped',
      lastSeenAt: at(2),
      declaredAt: at(11),
      fencedAt: at(16),
      finishedAt: at(40),
      fencing: json as unknown as Record<string, unknown>,
      detectorToken: '1',
      openedAt: at(11),
    });
    incidentId = incident.id;
    const row = (serviceId: string, priority: number, state: ServiceRecoveryState, rtoSeconds: number | null, recoveredAt: Date | null, reason: string | null = null) =>
      repos.serviceRecoveries.create(alice, {
        incidentId: incident.id,
        serviceId,
        state,
        priority,
        targetNodeId: recoveredAt ? '01000000-0000-7000-8000-00000000000b' : null,
        triedNodeIds: recoveredAt ? ['01000000-0000-7000-8000-00000000000b'] : [],
        attempts: recoveredAt ? 1 : 0,
        targetAttempts: recoveredAt ? 1 : 0,
        retryAt: null,
        reason,
        startedAt: recoveredAt ? at(17) : null,
        recoveredAt,
        rtoSeconds,
      });
    await row('01000000-0000-7000-8000-000000000001', 900, ServiceRecoveryState.RUNNING, 30, at(25));
    await row('01000000-0000-7000-8000-000000000002', 500, ServiceRecoveryState.RUNNING, 20, at(35));
    await row('01000000-0000-7000-8000-000000000003', 300, ServiceRecoveryState.FAILED, 60, null, 'no candidate: 2 nodes INSUFFICIENT_CAPACITY');
    await row('01000000-0000-7000-8000-000000000004', 100, ServiceRecoveryState.SKIPPED, null, null, 'recovery action DISABLE: not restarted');
  });
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

it('shows an incident with its timings, fencing levels and each service against its RTO', async () => {
  const v = await incidents.get(alice, incidentId);
  expect(v).toMatchObject({
    id: incidentId,
    detectedAt: at(10),
    fencingStartedAt: at(12),
    recoveryStartedAt: at(16.5),
    fencedBy: 'DEVICE',
    fencingRequired: true,
    // declared 9 s after the last heartbeat; fenced 4 s after fencing began; the slowest service ran again 33 s after the last heartbeat
    detectionMs: 9000,
    fencingMs: 4000,
    maxTimeToRecoverMs: 33_000,
    rtoMet: 1,
    rtoMissed: 2,
  });
  expect(v.fencingLevels.map((l) => [l.level, l.state, l.devices.map((d) => d.name)])).toEqual([
    [1, 'FAILED', ['pdu']],
    [2, 'SUCCEEDED', ['bmc']],
  ]);
  expect(v.services.map((s) => [s.row.priority, s.row.state, s.timeToRecoverMs, s.rto])).toEqual([
    [900, 'RUNNING', 23_000, RtoOutcome.MET],
    [500, 'RUNNING', 33_000, RtoOutcome.MISSED],
    [300, 'FAILED', null, RtoOutcome.MISSED],
    [100, 'SKIPPED', null, RtoOutcome.NONE],
  ]);
});

it('lists incidents newest first with filters, and never another tenant’s', async () => {
  expect((await incidents.page(alice, { clusterId }, { first: 10 })).rows.map((r) => r.id)).toEqual([incidentId]);
  expect((await incidents.page(alice, { state: IncidentState.RECOVERED }, { first: 10 })).rows).toEqual([]);
  expect((await incidents.page(alice, { nodeId: '01000000-0000-7000-8000-00000000000a' }, { first: 10 })).rows).toHaveLength(1);
  expect((await incidents.page(bob, {}, { first: 10 })).rows).toEqual([]);
  await expect(incidents.get(bob, incidentId)).rejects.toBeInstanceOf(NotFoundError);
});
