/**
 * The takeover figure of `npm run bench failover` (issue 9, point 7): two recovery workers in child
 * processes recover a host carrying N services (libvirt test-driver hosts, the failed host fenced
 * through its ipmi_sim BMC with fence_ipmilan: the recovery lab); one worker is SIGKILLed while it
 * holds services; the figure is the time from the kill to the first start (libvirt's own event log)
 * of a service the killed worker held, by the other worker. Run with RecoveryModule's timings
 * (lock 5 s, stalled check 1 s, claim 5 s renewed every second) and, as the baseline in the same
 * run, with the timings before (lock 15 s, stalled check 15 s, claim 30 s renewed every 10 s).
 */
import { createDatabase, dropDatabase, startRedis } from '@haaas/devstack';
import { IncidentState, ServiceRecoveryState } from '@haaas/domain';
import { startLab, WorkerProcess } from '@haaas/recovery/testing';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface TakeoverFigures {
  readonly label: string;
  /** Kill → the first libvirt start of a service the killed worker held (null: its VMs had all been started before the kill, and the other worker found them running). */
  readonly firstStartMs: number | null;
  /** Kill → the other worker took the first of its claims (service.claim_taken_over). */
  readonly claimTakenOverMs: number | null;
  /** Kill → the incident closed. */
  readonly closedMs: number;
  readonly state: string;
  readonly held: number;
}

export async function workerTakeover(adminDbUrl: string, services: number, label: string, env: Readonly<Record<string, string>>): Promise<TakeoverFigures> {
  const name = `haaas_bench_takeover_${Date.now()}`;
  const lab = await startLab({
    database: async () => ({ url: await createDatabase(adminDbUrl, name), drop: () => dropDatabase(adminDbUrl, name) }),
    startRedis,
    survivors: ['b', 'c', 'd'],
  });
  const workers: WorkerProcess[] = [];
  try {
    const seeded = await lab.seed({ fence: 'ipmi', capacity: { cpus: services + 8, memoryMb: (services + 8) * 512 } });
    const names: string[] = [];
    for (let i = 0; i < services; i++) {
      const n = `t-${String(i).padStart(3, '0')}`;
      names.push(n);
      await lab.addService(seeded, n, { vms: [`${n}-vm`], priority: 900 - Math.floor(i / 50) * 100 });
    }
    workers.push(...(await Promise.all([lab.spawnWorker('w1', { RECOVERY_CONCURRENCY: '8', ...env }), lab.spawnWorker('w2', { RECOVERY_CONCURRENCY: '8', ...env })])));
    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);

    // a worker that holds services not yet running, once recovery is well under way
    let victim: WorkerProcess | undefined;
    let held: string[] = [];
    const until = Date.now() + 120_000;
    while (!victim) {
      if (Date.now() > until) throw new Error('no worker caught holding a service');
      const recovered = (await lab.events(seeded.clusterId, ['service.recovered'])).length;
      if (recovered >= Math.min(20, services / 4)) {
        const inFlight = new Set(
          (await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId })).filter((r) => r.state === ServiceRecoveryState.PLACING || r.state === ServiceRecoveryState.STARTING || r.state === ServiceRecoveryState.RETRYING).map((r) => r.serviceId),
        );
        const claimed = (await lab.store.repos.services.find(lab.scope, { clusterId: seeded.clusterId })).filter((s) => inFlight.has(s.id) && s.claimedBy?.startsWith(`rcv:${incidentId}:`));
        // preferably one whose VM is not running yet (its start is then the other worker's); the
        // window is short with the test driver, so after a few seconds any holder will do
        const strict = Date.now() < until - 110_000;
        for (const s of claimed) {
          const w = workers.find((x) => s.claimedBy?.endsWith(`:${x.tag}`));
          if (!w || (strict && (await lab.runningOn(`${s.name}-vm`)).length > 0)) continue;
          victim = w;
          held = claimed.filter((x) => x.claimedBy?.endsWith(`:${w.tag}`)).map((x) => x.name);
          break;
        }
      }
      if (!victim) await sleep(20);
    }
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED, IncidentState.PARTIALLY_RECOVERED, IncidentState.FAILED], 300_000);
    const closedMs = Date.now() - killedAt;
    const starts = held.flatMap((n) => lab.startTimes(`${n}-vm`).filter((t) => t > killedAt));
    const takenOver = (await lab.events(seeded.clusterId, ['service.claim_taken_over'])).map((e) => e.at.getTime()).filter((t) => t >= killedAt);
    const row = await lab.store.repos.incidents.get(lab.scope, incidentId);
    return {
      label,
      firstStartMs: starts.length > 0 ? Math.min(...starts) - killedAt : null,
      claimTakenOverMs: takenOver.length > 0 ? Math.min(...takenOver) - killedAt : null,
      closedMs,
      state: row.state,
      held: held.length,
    };
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await lab.close();
  }
}

export function reportTakeover(services: number, now: TakeoverFigures, before: TakeoverFigures): void {
  const s = (ms: number | null): string => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
  console.log(`\n== worker SIGKILL during a ${services}-service recovery (libvirt test driver, IPMI fence; 2 workers, concurrency 8 each) ==`);
  for (const f of [now, before]) {
    console.log(`   ${f.label}: the killed worker held ${f.held} service(s); kill → the other worker takes one over (claim_taken_over, its start begins): ${s(f.claimTakenOverMs)}; kill → first libvirt start of one of them: ${s(f.firstStartMs)}; kill → incident ${f.state}: ${s(f.closedMs)}`);
  }
  const pick = (f: TakeoverFigures): number | null => f.claimTakenOverMs ?? f.firstStartMs;
  const a = pick(now);
  const b = pick(before);
  if (a !== null && b !== null && a > 0) console.log(`   ratio (previous timings / now), kill → takeover: ${(b / a).toFixed(1)}x`);
}
