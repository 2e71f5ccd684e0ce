import { startRedis } from '@haaas/devstack';
import { IncidentState, PlannedOutcome, ServiceRecoveryState } from '@haaas/domain';
import { createTestDatabase } from '@haaas/testing';
import Redis from 'ioredis';
import { HeartbeatStore } from '@haaas/heartbeats';
import { FailoverPlanService } from '../operations/failover-plan.service';
import { heartbeatLiveness } from '@haaas/engine-runtime';
import { Lab, Seeded, startLab } from './testing/recovery-lab';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 9, points 2-4, on libvirt test-driver hosts and a failed host whose ipmi_sim BMC is fenced
 * with fence_ipmilan; every node's "agent" beats into the heartbeat store once a second (the lab),
 * and the outcome is judged by what libvirt says (domain state, each host's event log) and by the
 * BMC's power, not by the product's rows alone.
 */
describe('recovery order and placement', () => {
  let lab: Lab;
  let redis: Redis;
  let plans: FailoverPlanService;

  beforeAll(async () => {
    lab = await startLab({
      database: createTestDatabase,
      startRedis,
      survivors: ['b', 'c', 'd', 'e'],
      workers: true,
      recovery: { concurrency: 8, recovery: { parallelism: 8 }, retry: { maxAttempts: 3, initialDelayMs: 1_000 }, fenceTimeoutMs: 20_000, fenceRetries: 1, claimTtlMs: 10_000, orderRecheckMs: 200 },
    });
    redis = new Redis(lab.redisUrl, { maxRetriesPerRequest: 1 });
    // the dry run as the API runs it: the same liveness (the heartbeat store)
    plans = new FailoverPlanService(lab.store, { liveness: heartbeatLiveness(new HeartbeatStore(redis)), detector: null });
  }, 90_000);
  // hosts a test killed are started again after it, pass or fail
  const repairs: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of repairs.splice(0)) await fn();
  });
  afterAll(async () => {
    redis?.disconnect();
    await lab?.close();
  });

  /** Host name (a, b, ...) by node id. */
  const hostOf = (seeded: Seeded, nodeId: string | null): string | undefined => Object.entries(seeded.nodes).find(([, id]) => id === nodeId)?.[0];

  it('never targets a node that went silent within its grace period (ONLINE in the rows, not heard from within the deadtime)', async () => {
    const seeded = await lab.seed({ fence: 'ipmi', deadtimeSeconds: 3, capacity: { cpus: 16, memoryMb: 16384 } });
    const names = ['g-900-1', 'g-900-2', 'g-900-3', 'g-500-1', 'g-500-2', 'g-500-3'];
    for (const name of names) await lab.addService(seeded, name, { vms: [`${name}-vm`], priority: Number(name.split('-')[1]) });
    // c rejoined after a fence and crashed again within its grace period: the detector declares
    // nothing during grace, so its row still says ONLINE; its libvirtd is gone and it beats no more.
    // It is the emptiest host, so least-loaded placement would pick it first.
    await lab.hosts.kill('c');
    repairs.push(() => lab.hosts.restart('c'));
    lab.silence(seeded, 'c');
    await sleep(3_500); // past the 3 s deadtime
    const row = await lab.store.repos.nodes.get(lab.scope, seeded.nodes['c'] as string);
    expect(row.status).toBe('ONLINE');

    const plan = await plans.plan(lab.scope, seeded.nodes['a'] as string);
    expect(plan.services.map((s) => s.outcome)).toEqual(names.map(() => PlannedOutcome.START));
    expect(plan.services.filter((s) => s.targetNodeId === seeded.nodes['c'])).toEqual([]);
    expect(plan.capacity.find((n) => n.nodeId === seeded.nodes['c'])).toMatchObject({ candidate: false, reason: expect.stringMatching(/not heard from within the deadtime \(3 s\)/) });
    expect(plan.capacity.find((n) => n.nodeId === seeded.nodes['b'])).toMatchObject({ candidate: true, reason: null });
    expect(plan.detection).toMatchObject({ deadtimeSeconds: 3, graceUntil: null, expectedSeconds: 3 });

    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 60_000);

    // the BMC powered a off, and every VM runs once, on b, d or e; c's libvirt never started any
    expect(lab.failed.bmc.power()).toBe('off');
    expect(lab.failed.bmc.chassisLog()).toContain('set power 0');
    for (const name of names) {
      const vm = `${name}-vm`;
      const on = await lab.runningOn(vm);
      expect({ vm, on: on.length, where: ['b', 'd', 'e'].includes(on[0] ?? '') }).toEqual({ vm, on: 1, where: true });
      expect({ vm, startsOnC: lab.startsOn(vm, 'c'), starts: lab.startsOf(vm) }).toEqual({ vm, startsOnC: 0, starts: 1 });
    }
    // (e is there too: b, d and e share them)
    // no attempt was lost on the dead host: one attempt each, c never chosen, rejected as SUSPECT
    const events = await lab.events(seeded.clusterId);
    expect(events.filter((e) => e.type === 'service.start_failed')).toEqual([]);
    const placed = events.filter((e) => e.type === 'service.placed');
    expect(placed).toHaveLength(names.length);
    for (const e of placed) {
      expect(e.after?.['targetNodeId']).not.toBe(seeded.nodes['c']);
      expect(JSON.stringify(e.after?.['rejected'])).toMatch(/1 suspect/);
    }
    for (const r of await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId })) expect(r).toMatchObject({ state: ServiceRecoveryState.RUNNING, attempts: 1 });
  }, 120_000);

  it('gives capacity by one priority order across the incidents of a cluster: priority 900 of one host before priority 300 of another', async () => {
    await lab.powerOnFailedHost();
    // 3 CPUs a host (each VM takes 1): b and c carry one service each and e is full, so 4 slots
    // remain for 6 services (e keeps the cluster quorate: 3 of 5 nodes healthy)
    const seeded = await lab.seed({ fence: 'ipmi', fencingRequired: false, capacity: { cpus: 3, memoryMb: 8192 } });
    await lab.addService(seeded, 'o-keep-e', { vms: ['o-keep-e-vm1', 'o-keep-e-vm2', 'o-keep-e-vm3'], on: 'e', priority: 500 });
    await lab.addService(seeded, 'o-keep-b', { vms: ['o-keep-b-vm'], on: 'b', priority: 500 });
    await lab.addService(seeded, 'o-keep-c', { vms: ['o-keep-c-vm'], on: 'c', priority: 500 });
    const hi: string[] = [];
    const lo: { name: string; id: string }[] = [];
    for (const i of [1, 2, 3]) {
      await lab.addService(seeded, `o-900-${i}`, { vms: [`o-900-${i}-vm`], on: 'a', priority: 900 });
      hi.push(`o-900-${i}`);
    }
    for (const i of [1, 2, 3]) lo.push({ name: `o-300-${i}`, id: await lab.addService(seeded, `o-300-${i}`, { vms: [`o-300-${i}-vm`], on: 'd', priority: 300 }) });

    // both hosts die together. d has no fencing device (fencingRequired false: it recovers at once,
    // unfenced); a is fenced through its BMC first. d's incident is declared first, so without one
    // order per cluster its priority-300 services would take the capacity while a is being fenced.
    await Promise.all([lab.failed.host.crash(), lab.hosts.kill('d')]);
    repairs.push(() => lab.hosts.restart('d'));
    const dIncident = await lab.declareFailure(seeded, 'd');
    const aIncident = await lab.declareFailure(seeded, 'a');
    await lab.waitForIncident(aIncident, [IncidentState.RECOVERED], 90_000);
    await lab.waitForIncident(dIncident, [IncidentState.PARTIALLY_RECOVERED], 90_000);

    expect(lab.failed.bmc.power()).toBe('off');
    // libvirt: every priority-900 VM runs once on b or c
    for (const name of hi) expect({ name, on: await lab.runningOn(`${name}-vm`), starts: lab.startsOf(`${name}-vm`) }).toEqual({ name, on: [expect.stringMatching(/^[bc]$/)], starts: 1 });
    // one priority-300 VM got the last slot: the first by the tie-break (service id); the others were
    // never started on a survivor (their first start, on d, is in d's log)
    const restarts = (vm: string): number => ['b', 'c', 'e'].reduce((n, h) => n + lab.startsOn(vm, h), 0);
    const first = [...lo].sort((x, y) => (x.id < y.id ? -1 : 1))[0] as { name: string };
    for (const { name } of lo) {
      const running = await lab.runningOn(`${name}-vm`);
      if (name === first.name) expect({ name, running: running.length, starts: restarts(`${name}-vm`) }).toEqual({ name, running: 1, starts: 1 });
      else expect({ name, running, starts: restarts(`${name}-vm`) }).toEqual({ name, running: [], starts: 0 });
    }
    // the keepers were never moved
    expect(await lab.runningOn('o-keep-b-vm')).toEqual(['b']);
    expect(await lab.runningOn('o-keep-c-vm')).toEqual(['c']);
    expect(await lab.runningOn('o-keep-e-vm1')).toEqual(['e']);

    // the record agrees, and says why the lows waited and why two failed
    const events = await lab.events(seeded.clusterId);
    expect(events.some((e) => e.type === 'service.recovery_waiting' && lo.some((l) => l.id === e.serviceId))).toBe(true);
    const failed = (await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId: dIncident })).filter((r) => r.state === ServiceRecoveryState.FAILED);
    expect(failed).toHaveLength(2);
    for (const r of failed) expect(r.reason).toMatch(/INSUFFICIENT_CAPACITY|capacity|CPUs/i);
    // and the first priority-300 start came after the last priority-900 one settled
    const hiIds = new Set((await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId: aIncident })).map((r) => r.serviceId));
    const lastHi = Math.max(...events.filter((e) => e.type === 'service.recovered' && hiIds.has(e.serviceId ?? '')).map((e) => e.at.getTime()));
    const firstLo = Math.min(...events.filter((e) => e.type === 'service.placed' && lo.some((l) => l.id === e.serviceId)).map((e) => e.at.getTime()));
    expect(firstLo).toBeGreaterThanOrEqual(lastHi);
  }, 180_000);

  it('lands every service where the dry run said, service by service (25 services of one priority, no domains)', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'ipmi', capacity: { cpus: 40, memoryMb: 40960 } });
    // uneven loads beforehand, so that least-loaded placement has choices to make
    await lab.addService(seeded, 'p-b-1', { vms: ['p-b-1-vm'], on: 'b', memoryMb: 4096 });
    await lab.addService(seeded, 'p-b-2', { vms: ['p-b-2-vm'], on: 'b', memoryMb: 2048 });
    await lab.addService(seeded, 'p-c-1', { vms: ['p-c-1-vm'], on: 'c', memoryMb: 3072 });
    const sizes = [512, 1024, 1536, 2048, 768];
    const ids: { name: string; id: string }[] = [];
    for (let i = 0; i < 25; i++) {
      const name = `p-${String(i).padStart(2, '0')}`;
      ids.push({ name, id: await lab.addService(seeded, name, { vms: [`${name}-vm`], memoryMb: sizes[i % sizes.length] ?? 512 }) });
    }
    const plan = await plans.plan(lab.scope, seeded.nodes['a'] as string);
    expect(plan.counts).toEqual({ start: 25, skip: 0, willFail: 0 });
    const planned = new Map(plan.services.map((s) => [s.serviceId, hostOf(seeded, s.targetNodeId)]));
    expect(new Set(planned.values()).size).toBeGreaterThanOrEqual(3);

    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 90_000);
    expect(lab.failed.bmc.power()).toBe('off');

    // where libvirt runs each VM, against the plan
    const outcome: { name: string; planned: string | undefined; runs: string[] }[] = [];
    for (const { name, id } of ids) outcome.push({ name, planned: planned.get(id), runs: await lab.runningOn(`${name}-vm`) });
    expect(outcome.filter((o) => o.runs.length !== 1 || o.runs[0] !== o.planned)).toEqual([]);
    for (const { name } of ids) expect({ name, starts: lab.startsOf(`${name}-vm`) }).toEqual({ name, starts: 1 });
    // and the incident kept the plan's targets for comparison
    const rows = await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId });
    for (const r of rows) expect(hostOf(seeded, r.targetNodeId)).toBe(planned.get(r.serviceId));
  }, 180_000);
});
