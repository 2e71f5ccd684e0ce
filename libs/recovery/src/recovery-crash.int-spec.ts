import { startRedis } from '@haaas/devstack';
import { IncidentState, ServiceRecoveryState, ServiceState } from '@haaas/domain';
import { createTestDatabase } from '@haaas/testing';
import { Lab, startLab, WorkerProcess } from './testing/recovery-lab';

/**
 * Crash safety with worker processes: two recovery workers run at once (child processes, the
 * worker's modules), the incident is queued three times, and the worker holding a service in the
 * middle of the recovery is killed with SIGKILL. The other one must finish: every service
 * running, each VM started exactly once (the libvirt hosts' own event logs), one recovery.
 *
 * The workers run with RecoveryModule's defaults (issue 9, point 7): the killed worker's job lock
 * (5 s) lapses, the stalled check (every second) hands the job to the survivor, and the service's
 * claim (5 s, renewed every second) has run out by then, so the survivor takes over within
 * seconds. The figure is printed (libvirt's own time of the taken-over VM's start); the benchmark
 * `npm run bench failover` measures it at 200 services against the previous timings.
 */
describe('a recovery worker killed in the middle of a recovery', () => {
  let lab: Lab;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    lab = await startLab({ database: createTestDatabase, startRedis });
  }, 60_000);
  afterAll(() => lab?.close());

  it('is replaced by the other worker: nothing lost, no VM started twice, one recovery', async () => {
    const seeded = await lab.seed({ fence: 'ipmi' });
    const names: string[] = [];
    const priorities = [900, 900, 900, 500, 500, 500, 500, 100, 100, 100];
    for (const [i, priority] of priorities.entries()) {
      const name = `k-${priority}-${i}`;
      names.push(name);
      await lab.addService(seeded, name, { vms: [`${name}-vm`], priority });
    }
    const env = { RECOVERY_CONCURRENCY: '2' };
    workers = await Promise.all([lab.spawnWorker('w1', env), lab.spawnWorker('w2', env)]);

    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    // a second detector and a reconciliation pass queue it again: still one recovery
    await lab.queue.enqueueIncident(lab.scope.tenantId, incidentId);
    await lab.commands.redrive(lab.scope, incidentId);

    // kill the worker that holds a service while at least one other service is already back
    let victim: WorkerProcess | undefined;
    let victimService: string | undefined;
    // generous: on a loaded 2-core machine the workers' start and first claims can take a while
    const until = Date.now() + 100_000;
    while (!victim) {
      const row = await lab.store.repos.incidents.get(lab.scope, incidentId);
      if (row.state !== IncidentState.DETECTED && row.state !== IncidentState.FENCING && row.state !== IncidentState.RECOVERING) {
        throw new Error(`the incident ended (${row.state}) before a worker could be caught holding a service`);
      }
      const recovered = (await lab.events(seeded.clusterId, ['service.recovered'])).length;
      if (recovered > 0) {
        // a service held by a worker and still being recovered (not yet recorded as running)
        const inFlight = new Set(
          (await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId }))
            .filter((r) => r.state === ServiceRecoveryState.PLACING || r.state === ServiceRecoveryState.STARTING || r.state === ServiceRecoveryState.RETRYING)
            .map((r) => r.serviceId),
        );
        // and whose VM libvirt has not started yet (else the victim may finish it before the kill lands)
        const claimed = (await lab.store.repos.services.find(lab.scope, { clusterId: seeded.clusterId })).filter(
          (s) => inFlight.has(s.id) && s.claimedBy?.startsWith(`rcv:${incidentId}:`) && lab.startsOf(`${s.name}-vm`) === 0,
        );
        for (const s of claimed) {
          const w = workers.find((x) => s.claimedBy?.startsWith(`rcv:${incidentId}:${x.tag}:`));
          if (w) {
            victim = w;
            victimService = s.id;
            break;
          }
        }
      }
      if (Date.now() > until) throw new Error('no worker caught holding a service');
      if (!victim) await new Promise((r) => setTimeout(r, 10));
    }
    victim.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    const survivor = workers.find((w) => w !== victim) as WorkerProcess;

    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 100_000);
    // libvirt's time of the start of the service the killed worker held: the takeover
    const victimName = (await lab.store.repos.services.get(lab.scope, victimService as string)).name;
    const takenOverAt = lab.startTimes(`${victimName}-vm`)[0];
    console.log(`recovered ${Math.round((Date.now() - killedAt) / 1000)} s after the kill of ${victim.tag}; its service ${victimName} was started ${takenOverAt === undefined ? '?' : ((takenOverAt - killedAt) / 1000).toFixed(1)} s after the kill (libvirt's event log)`);
    expect(takenOverAt).toBeDefined();

    // every service runs once, on a surviving host, and each VM was started exactly once
    for (const name of names) {
      const vm = `${name}-vm`;
      expect({ vm, starts: lab.startsOf(vm) }).toEqual({ vm, starts: 1 });
      expect(await lab.runningOn(vm)).toHaveLength(1);
    }
    // no service is left claimed: the survivor lets go of its claims just after the closing
    // transaction, and a claim the killed worker held on a service already recorded as running
    // simply runs out (nobody needs to take it over)
    const held = (s: { claimedBy?: string | null; claimExpiresAt?: Date | null }) => !!s.claimedBy && !!s.claimExpiresAt && s.claimExpiresAt.getTime() > Date.now();
    const claimsGone = Date.now() + 15_000;
    let services = await lab.store.repos.services.find(lab.scope, { clusterId: seeded.clusterId });
    while (services.some(held) && Date.now() < claimsGone) {
      await new Promise((r) => setTimeout(r, 200));
      services = await lab.store.repos.services.find(lab.scope, { clusterId: seeded.clusterId });
    }
    for (const s of services) expect({ name: s.name, state: s.state, held: held(s) }).toEqual({ name: s.name, state: ServiceState.STARTED, held: false });
    const recoveries = await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId });
    expect(recoveries).toHaveLength(names.length);
    for (const r of recoveries) expect(r.state).toBe(ServiceRecoveryState.RUNNING);

    const events = await lab.events(seeded.clusterId);
    // one recovery: one fence recorded, one closing, one "recovered" per service
    expect(events.filter((e) => e.type === 'incident.fence_attempt')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'incident.recovered')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'service.recovered')).toHaveLength(names.length);
    // the survivor took over the service the killed worker held, once its claim had run out
    // (unless libvirt shows the victim's own start landing in the few ms between the pick and the kill)
    const startedByVictim = lab.startTimes(`${victimName}-vm`).some((t) => t < killedAt);
    const takeover = events.find((e) => e.type === 'service.claim_taken_over' && e.serviceId === victimService);
    if (!startedByVictim) {
      expect(takeover?.before?.['claimedBy']).toMatch(new RegExp(`^rcv:${incidentId}:${victim.tag}:[0-9a-f]{8}$`));
      expect(takeover?.after?.['claimedBy']).toMatch(new RegExp(`^rcv:${incidentId}:${survivor.tag}:[0-9a-f]{8}$`));
    }
    // and the order held across the crash: each priority admitted after every higher one settled
    const admittedAt = (priority: number) => events.filter((e) => e.type === 'service.recovery_started' && e.after?.['priority'] === priority).map((e) => e.at.getTime());
    const settledAt = (priority: number) => events.filter((e) => e.type === 'service.recovered' && e.after?.['priority'] === priority).map((e) => e.at.getTime());
    expect(Math.min(...admittedAt(500))).toBeGreaterThanOrEqual(Math.max(...settledAt(900)));
    expect(Math.min(...admittedAt(100))).toBeGreaterThanOrEqual(Math.max(...settledAt(500)));
  }, 200_000);
});
