import { startRedis } from '@haaas/devstack';
import { IncidentState, ServiceState } from '@haaas/domain';
import { createTestDatabase } from '@haaas/testing';
import { IncidentRecoverHandler } from './incident-recover.handler';
import { ServiceRecoverHandler } from './service-recover.handler';
import { Lab, startLab } from './testing/recovery-lab';

/**
 * A `service.recover` job run twice at once by the same worker process. It happens after a
 * SIGSTOP: the frozen worker's job lock lapses, the stalled check puts the job back, and the same
 * worker, woken, takes it again while its first run continues (seed 1212 of the fault campaign,
 * round 81: the service row was left RECOVERING after its incident ended RECOVERED). The two runs
 * must not share the service's claim: the second waits for the first, which recovers the service
 * once, and the row ends STARTED.
 */
describe('one service.recover job run twice at once in one worker', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab({ database: createTestDatabase, startRedis, recovery: { fenceTimeoutMs: 20_000, fenceRetries: 1, claimTtlMs: 10_000 } });
  }, 60_000);
  afterAll(() => lab?.close());

  it('starts the VM once and leaves the service STARTED, its claim released', async () => {
    const seeded = await lab.seed({ fence: 'ipmi' });
    const serviceId = await lab.addService(seeded, 'dup', { vms: ['dup-vm'], priority: 500 });
    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded, 'a', false);
    // fenced and admitted (no queue workers run in this lab: the handlers are called here)
    await lab.app.get(IncidentRecoverHandler).handle({ tenantId: lab.scope.tenantId, incidentId });
    expect((await lab.store.repos.incidents.get(lab.scope, incidentId)).state).toBe(IncidentState.RECOVERING);

    const handler = lab.app.get(ServiceRecoverHandler);
    const payload = { tenantId: lab.scope.tenantId, incidentId, serviceId };
    await Promise.all([handler.handle(payload), handler.handle(payload)]);

    expect((await lab.store.repos.incidents.get(lab.scope, incidentId)).state).toBe(IncidentState.RECOVERED);
    expect(lab.startsOf('dup-vm')).toBe(1);
    const on = await lab.runningOn('dup-vm');
    expect(on).toHaveLength(1);
    const row = await lab.store.repos.services.get(lab.scope, serviceId);
    expect(row).toMatchObject({ state: ServiceState.STARTED, currentNodeId: seeded.nodes[on[0] as string], claimedBy: null });
    // no start of the second run failed against the first one's
    expect(await lab.events(seeded.clusterId, ['service.start_failed'])).toEqual([]);
  }, 120_000);
});
