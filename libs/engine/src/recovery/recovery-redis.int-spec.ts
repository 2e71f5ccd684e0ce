import Redis from 'ioredis';
import { startRedis } from '@haaas/devstack';
import { IncidentState, ServiceRecoveryState } from '@haaas/domain';
import { createTestDatabase } from '@haaas/testing';
import { HeartbeatStore } from '../heartbeats/heartbeat.store';
import { Lab, startLab } from './testing/recovery-lab';

/**
 * Redis restarted in the middle of a recovery (it runs without persistence here, so every job is
 * lost): the recovery completes once Redis is back and the incident is queued again. Queuing it
 * again is the failure detector's reconciliation in production (it re-enqueues `incident.recover`
 * under the incident id for every open incident whose job is gone); this test does the same
 * enqueue itself, so it does not depend on a detector running.
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
    await new Promise((r) => setTimeout(r, 1_500));
    await lab.startRedis(); // empty: every queued and running job is gone
    expect(recoveredWhileDown).toBeLessThan(names.length);
    expect((await lab.store.repos.incidents.get(lab.scope, incidentId)).state).toBe(IncidentState.RECOVERING);

    // The empty Redis lost the heartbeats too: until the agents' next beats land (their client
    // reconnects with backoff), no survivor counts as heard from and placement has no target. The
    // detector's reconciliation acts on a live view, so wait for the survivors' beats first.
    const hb = new Redis(lab.redisUrl, { maxRetriesPerRequest: 3 });
    try {
      const survivors = Object.entries(seeded.nodes).filter(([host]) => host !== 'a').map(([, id]) => id);
      const beatsBack = Date.now() + 30_000;
      for (;;) {
        const seen = await new HeartbeatStore(hb).lastSeen(lab.scope, seeded.clusterId);
        if (survivors.every((id) => seen.has(id))) break;
        if (Date.now() > beatsBack) throw new Error('the survivors\' heartbeats did not reach the restarted Redis');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      hb.disconnect();
    }
    // the detector's reconciliation: the incident has no job any more, queue it again under its id
    await lab.queue.enqueueIncident(lab.scope.tenantId, incidentId);
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
