import { startRedis } from '@haaas/devstack';
import { IncidentState, ServiceRecoveryState } from '@haaas/domain';
import { createTestDatabase } from '@haaas/testing';
import { Lab, startLab } from './testing/recovery-lab';

/**
 * Redis restarted in the middle of a recovery (it runs without persistence here, so every job is
 * lost): the recovery completes once Redis is back and the incident is queued again. Queuing it
 * again is the failure detector's reconciliation in production (it re-enqueues `incident.recover`
 * under the incident id for every open incident whose job is gone); this test does the same
 * enqueue itself, so it does not depend on a detector running. The empty Redis lost the
 * heartbeats too: until the agents beat again the survivors' liveness is unknown, and placement
 * waits for their beats (at most a deadtime) instead of failing the services as having no target.
 */
describe('Redis restarted in the middle of a recovery', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab({ database: createTestDatabase, startRedis });
  }, 60_000);
  afterAll(() => lab?.close());

  it('loses no service: the recovery completes after Redis returns, each VM started once', async () => {
    const seeded = await lab.seed({ fence: 'ipmi' });
    const names: string[] = [];
    for (const [i, priority] of [800, 800, 600, 600, 600, 400, 400, 200].entries()) {
      const name = `r-${priority}-${i}`;
      names.push(name);
      await lab.addService(seeded, name, { vms: [`${name}-vm`], priority });
    }
    const worker = await lab.spawnWorker('rw', { RECOVERY_CONCURRENCY: '2', RECOVERY_LOCK_MS: '5000', RECOVERY_CLAIM_TTL_MS: '6000' });

    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    const until = Date.now() + 60_000;
    while ((await lab.events(seeded.clusterId, ['service.recovered'])).length === 0) {
      if (Date.now() > until) throw new Error(`no service recovered; worker log:\n${worker.log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await lab.stopRedis();
    const recoveredWhileDown = (await lab.events(seeded.clusterId, ['service.recovered'])).length;
    // the survivors' agents stay silent until told: whatever job places a service meanwhile (the
    // one still in flight in the worker, the re-queued ones) finds no heartbeat record at all
    for (const host of Object.keys(seeded.nodes)) if (host !== 'a') lab.silence(seeded, host);
    await new Promise((r) => setTimeout(r, 1_500));
    await lab.startRedis(); // empty: every queued and running job is gone, and every heartbeat
    expect(recoveredWhileDown).toBeLessThan(names.length);
    expect((await lab.store.repos.incidents.get(lab.scope, incidentId)).state).toBe(IncidentState.RECOVERING);

    // the detector's reconciliation: the incident has no job any more, queue it again under its id
    await lab.queue.enqueueIncident(lab.scope.tenantId, incidentId);
    // no heartbeat record: the survivors' liveness is unknown, not lost; placement waits for them
    const waitUntil = Date.now() + 30_000;
    let waiting: Awaited<ReturnType<Lab['events']>> = [];
    while ((waiting = (await lab.events(seeded.clusterId, ['service.recovery_waiting'])).filter((e) => e.after?.['reason'] === 'LIVENESS_UNKNOWN')).length === 0) {
      if (Date.now() > waitUntil) throw new Error(`no service waited for the heartbeats; worker log:\n${worker.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(waiting[0]?.message).toMatch(/waits up to \d+ s for heartbeats: 2 node\(s\) not heard from/);
    expect((await lab.events(seeded.clusterId, ['service.recovery_failed', 'service.failed'])).length).toBe(0);
    for (const host of Object.keys(seeded.nodes)) if (host !== 'a') lab.resume(seeded, host);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 90_000);

    for (const name of names) {
      const vm = `${name}-vm`;
      expect({ vm, starts: lab.startsOf(vm) }).toEqual({ vm, starts: 1 });
      expect(await lab.runningOn(vm)).toHaveLength(1);
    }
    const recoveries = await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId });
    expect(recoveries.map((r) => r.state)).toEqual(names.map(() => ServiceRecoveryState.RUNNING));
    const events = await lab.events(seeded.clusterId);
    expect(events.filter((e) => e.type === 'service.recovered')).toHaveLength(names.length);
    expect(events.filter((e) => e.type === 'incident.recovered')).toHaveLength(1);
    // priority order held across the outage
    const admitted = (p: number) => events.filter((e) => e.type === 'service.recovery_started' && e.after?.['priority'] === p).map((e) => e.at.getTime());
    const settled = (p: number) => events.filter((e) => e.type === 'service.recovered' && e.after?.['priority'] === p).map((e) => e.at.getTime());
    expect(Math.min(...admitted(600))).toBeGreaterThanOrEqual(Math.max(...settled(800)));
    expect(Math.min(...admitted(400))).toBeGreaterThanOrEqual(Math.max(...settled(600)));
    expect(Math.min(...admitted(200))).toBeGreaterThanOrEqual(Math.max(...settled(400)));
  }, 150_000);
});
