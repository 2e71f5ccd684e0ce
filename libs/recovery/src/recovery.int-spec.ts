import { startRedis } from '@haaas/devstack';
import { IncidentState, NodeStatus, ServiceRecoveryState, ServiceState } from '@haaas/domain';
import { FailoverDomainService } from '@haaas/management';
import type { EventEntity } from '@haaas/persistence';
import { createTestDatabase } from '@haaas/testing';
import { Lab, startLab } from './testing/recovery-lab';

/**
 * Recovery end to end inside one worker process: real MariaDB and Redis, libvirt test-driver
 * hosts, and a failed host whose ipmi_sim BMC is fenced with fence_ipmilan. Each case crashes
 * host `a` (its libvirtd is killed, its BMC still answers), declares it failed as the detector
 * would, and reads the outcome from the rows, the cluster log and the hypervisors.
 */
describe('recovery of a failed node', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab({
      database: createTestDatabase,
      startRedis,
      workers: true,
      recovery: { concurrency: 4, recovery: { parallelism: 2 }, retry: { maxAttempts: 3, initialDelayMs: 2_000 }, fenceTimeoutMs: 20_000, fenceRetries: 1, claimTtlMs: 10_000 },
    });
  }, 60_000);
  afterAll(() => lab?.close());

  const first = (events: EventEntity[], type: string, serviceId?: string): EventEntity | undefined => events.find((e) => e.type === type && (serviceId === undefined || e.serviceId === serviceId));
  const all = (events: EventEntity[], type: string, serviceId?: string): EventEntity[] => events.filter((e) => e.type === type && (serviceId === undefined || e.serviceId === serviceId));
  const recoveries = (incidentId: string) => lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId });

  it('fences first, then recovers services by priority, two at a time, each VM started exactly once', async () => {
    const seeded = await lab.seed({ fence: 'ipmi' });
    const svc: Record<string, string> = {};
    const plan: [string, number, number | null][] = [
      ['hi-1', 900, 60],
      ['hi-2', 900, null],
      ['mid-1', 500, null],
      ['mid-2', 500, null],
      ['mid-3', 500, null],
      ['lo-1', 100, null],
    ];
    for (const [name, priority, rto] of plan) svc[name] = await lab.addService(seeded, name, { vms: [`p1-${name}`], priority, rtoSeconds: rto });
    expect(lab.failed.bmc.power()).toBe('on');

    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 60_000);

    // the node was powered off through its BMC, and says so
    expect(lab.failed.bmc.power()).toBe('off');
    expect(lab.failed.bmc.chassisLog()).toContain('set power 0');
    const nodeA = await lab.store.repos.nodes.get(lab.scope, seeded.nodes['a'] as string);
    expect(nodeA.status).toBe(NodeStatus.FENCED);

    const events = await lab.events(seeded.clusterId);
    const fence = first(events, 'incident.fence_attempt');
    expect(fence?.after).toMatchObject({ level: 1, ok: true, agent: 'fence_ipmilan', name: 'bmc-a', powerState: 'off' });
    expect(JSON.stringify(events)).not.toContain(lab.failed.bmc.password);
    const byName = (name: string) => svc[name] as string;
    // nothing was started before the fence
    const fenceId = fence?.id ?? '';
    for (const id of Object.values(svc)) {
      const starting = all(events, 'service.starting', id).filter((e) => e.id > (first(events, 'incident.plan')?.id ?? ''));
      expect(starting.length).toBeGreaterThan(0);
      for (const e of starting) expect(e.id > fenceId).toBe(true);
    }
    // a priority starts only when every higher one has settled
    const settled = (names: string[]) => names.map((n) => first(events, 'service.recovered', byName(n))?.id ?? 'zzz').sort().pop() ?? '';
    const admitted = (names: string[]) => names.map((n) => first(events, 'service.recovery_started', byName(n))?.id ?? '').sort()[0] ?? '';
    expect(admitted(['mid-1', 'mid-2', 'mid-3']) > settled(['hi-1', 'hi-2'])).toBe(true);
    expect(admitted(['lo-1']) > settled(['mid-1', 'mid-2', 'mid-3'])).toBe(true);
    // at most two at a time within a priority: the third of 500 is admitted after one of the first two settled
    const mids = ['mid-1', 'mid-2', 'mid-3'].map((n) => ({ n, admitted: first(events, 'service.recovery_started', byName(n))?.id ?? '', done: first(events, 'service.recovered', byName(n))?.id ?? '' }));
    mids.sort((x, y) => (x.admitted < y.admitted ? -1 : 1));
    const [m1, m2, m3] = mids;
    const firstDone = [m1?.done ?? '', m2?.done ?? ''].sort()[0] ?? '';
    expect((m3?.admitted ?? '') > firstDone).toBe(true);

    // each VM runs once, on a surviving host, started once there
    const hosts = new Set<string>();
    for (const [name] of plan) {
      const vm = `p1-${name}`;
      expect(lab.startsOf(vm)).toBe(1);
      const on = await lab.runningOn(vm);
      expect(on).toHaveLength(1);
      hosts.add(on[0] as string);
      const s = await lab.store.repos.services.get(lab.scope, byName(name));
      expect(s).toMatchObject({ state: ServiceState.STARTED, currentNodeId: seeded.nodes[on[0] as string], claimedBy: null });
      const [r] = await lab.store.repos.resources.find(lab.scope, { serviceId: s.id });
      expect(r?.placedNodeId).toBe(s.currentNodeId);
    }
    expect([...hosts].sort()).toEqual(['b', 'c']); // least loaded first: both survivors take some
    for (const r of await recoveries(incidentId)) expect(r).toMatchObject({ state: ServiceRecoveryState.RUNNING, attempts: 1, targetAttempts: 1 });

    // the closing event carries the figures: detection, fencing, time to recover against the RTO
    const closed = first(events, 'incident.recovered');
    const report = closed?.after?.['report'] as { running: number; failed: number; fencingMs: number; rtoMet: number; detectionMs: number };
    expect(report).toMatchObject({ running: 6, failed: 0, rtoMet: 1, detectionMs: 3000 });
    expect(report.fencingMs).toBeGreaterThan(0);
    const hi1 = (closed?.after?.['services'] as { serviceId: string; timeToRecoverMs: number; rto: string }[]).find((s) => s.serviceId === byName('hi-1'));
    expect(hi1).toMatchObject({ rto: 'MET' });
    expect(hi1?.timeToRecoverMs).toBeGreaterThan(3000);
    const steps = events.filter((e) => e.type.startsWith('incident.')).map((e) => e.type);
    expect(steps).toEqual(['incident.plan', 'incident.fencing_started', 'incident.fence_attempt', 'incident.recovery_started', 'incident.recovered']);
  });

  it('tries the next fencing level when one fails, and records why', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'wrong-then-ipmi' });
    const id = await lab.addService(seeded, 'l2', { vms: ['p2-l2'] });
    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 60_000);
    const attempts = (await lab.events(seeded.clusterId, ['incident.fence_attempt'])).map((e) => e.after);
    expect(attempts).toEqual([
      expect.objectContaining({ level: 1, name: 'bmc-a-wrong', ok: false, error: expect.stringMatching(/^AUTH_FAILED/) }),
      expect.objectContaining({ level: 2, name: 'bmc-a', ok: true }),
    ]);
    const row = await lab.store.repos.incidents.get(lab.scope, incidentId);
    expect(row.fencing).toMatchObject({ fencedBy: 'DEVICE', levels: [{ level: 1, state: 'FAILED' }, { level: 2, state: 'SUCCEEDED' }] });
    expect(await lab.runningOn('p2-l2')).toHaveLength(1);
    expect((await lab.store.repos.services.get(lab.scope, id)).state).toBe(ServiceState.STARTED);
  });

  it('waits for an operator when every level fails and fencing is required, touching nothing; proceeds once the operator confirms', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'wrong' });
    const id = await lab.addService(seeded, 'held', { vms: ['p3-held'] });
    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.AWAITING_OPERATOR], 30_000);
    const waiting = (await lab.events(seeded.clusterId, ['incident.awaiting_operator']))[0];
    expect(waiting?.after).toMatchObject({ awaiting: 'FENCING' });
    expect(waiting?.message).toMatch(/every fencing level failed .*bmc-a-wrong|every fencing level failed/);
    await new Promise((r) => setTimeout(r, 500));
    expect(lab.startsOf('p3-held')).toBe(0);
    expect(await lab.store.repos.services.get(lab.scope, id)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: seeded.nodes['a'] });
    expect(await lab.store.repos.serviceRecoveries.count(lab.scope, { incidentId })).toBe(0);

    const operator = lab.scope;
    await lab.commands.confirmFenced(operator, incidentId);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 30_000);
    const row = await lab.store.repos.incidents.get(lab.scope, incidentId);
    expect(row.fencing).toMatchObject({ fencedBy: 'OPERATOR', confirmedBy: 'lab@example.com' });
    expect(lab.startsOf('p3-held')).toBe(1);
  });

  it('with fencingRequired=false and no device, recovers unfenced and says so, but never next to a copy still running on the failed node', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'none', fencingRequired: false });
    const gone = await lab.addService(seeded, 'gone', { vms: ['p4-gone'] });
    // the failed node is unreachable to us but still runs this VM: starting a copy elsewhere would be a split brain
    const alive = await lab.addService(seeded, 'alive', { vms: ['p4-alive'], maxRelocations: 1 });
    await lab.failed.host.virsh('destroy', 'p4-gone'); // this one did stop with it
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.PARTIALLY_RECOVERED], 60_000);
    const events = await lab.events(seeded.clusterId);
    expect(first(events, 'incident.recovery_started')?.message).toMatch(/WITHOUT a fence/);
    expect(first(events, 'incident.recovery_started')?.after).toMatchObject({ proceededUnfenced: true, fencedBy: null });
    expect(await lab.runningOn('p4-gone')).toHaveLength(1);
    expect(lab.startsOf('p4-alive')).toBe(0);
    const failed = first(events, 'service.recovery_failed', alive);
    expect(failed?.message).toMatch(/p4-alive is already active on a\./);
    expect(await lab.store.repos.services.get(lab.scope, alive)).toMatchObject({ state: ServiceState.FAILED, currentNodeId: null });
    expect(await lab.store.repos.services.get(lab.scope, gone)).toMatchObject({ state: ServiceState.STARTED });
    await lab.failed.host.crash();
  });

  it('gives up a node whose start cannot succeed and relocates to the next candidate of an ordered domain', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'ipmi' });
    const domain = await lab.app.get(FailoverDomainService).create(lab.scope, {
      clusterId: seeded.clusterId,
      name: 'b-first',
      ordered: true,
      members: [
        { nodeId: seeded.nodes['b'] as string, priority: 1 },
        { nodeId: seeded.nodes['c'] as string, priority: 2 },
      ],
    });
    // only a and c have this VM's disk, and no definition is kept: b cannot take it
    const id = await lab.addService(seeded, 'disk-on-c', { vms: ['p5-vm'], alsoDefinedOn: ['c'], forgetDefinitions: true, failoverDomainId: domain.id });
    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 60_000);
    const events = (await lab.events(seeded.clusterId)).filter((e) => e.serviceId === id);
    const placed = all(events, 'service.placed').map((e) => e.after?.['targetNodeId']);
    expect(placed).toEqual([seeded.nodes['b'], seeded.nodes['c']]);
    expect(first(events, 'service.start_failed')?.after).toMatchObject({ kind: 'NO_DEFINITION', retryable: false, decision: 'RELOCATE' });
    expect(all(events, 'service.placed')[1]?.after).toMatchObject({ relocation: 1 });
    expect(await lab.runningOn('p5-vm')).toEqual(['c']);
    const [r] = await recoveries(incidentId);
    expect(r).toMatchObject({ state: ServiceRecoveryState.RUNNING, attempts: 2, triedNodeIds: [seeded.nodes['b'], seeded.nodes['c']] });
  });

  it('retries a failed start on the same node after the backoff', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'ipmi' });
    const domain = await lab.app.get(FailoverDomainService).create(lab.scope, {
      clusterId: seeded.clusterId,
      name: 'only-b',
      ordered: true,
      restricted: true,
      members: [{ nodeId: seeded.nodes['b'] as string, priority: 1 }],
    });
    const id = await lab.addService(seeded, 'patient', { vms: ['p6-vm'], failoverDomainId: domain.id });
    await lab.failed.host.crash();
    await lab.hosts.kill('b'); // b's hypervisor is down for a moment
    const incidentId = await lab.declareFailure(seeded);
    const until = Date.now() + 30_000;
    while ((await lab.events(seeded.clusterId, ['service.start_failed'])).length === 0) {
      if (Date.now() > until) throw new Error('no failed start seen');
      await new Promise((r) => setTimeout(r, 100));
    }
    await lab.hosts.restart('b');
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 60_000);
    const events = (await lab.events(seeded.clusterId)).filter((e) => e.serviceId === id);
    const failure = first(events, 'service.start_failed');
    expect(failure?.after).toMatchObject({ kind: 'TARGET_UNREACHABLE', retryable: true, decision: 'RETRY', targetAttempts: 1 });
    const retried = first(events, 'service.retry_started');
    expect(retried?.after).toMatchObject({ targetAttempts: 2 });
    // the backoff was waited: 2 s after the failure, not at once
    expect(retried && failure && retried.at.getTime() - failure.at.getTime()).toBeGreaterThanOrEqual(1_900);
    expect(all(events, 'service.placed')).toHaveLength(1);
    expect(await lab.runningOn('p6-vm')).toEqual(['b']);
    const [r] = await recoveries(incidentId);
    expect(r).toMatchObject({ state: ServiceRecoveryState.RUNNING, attempts: 2, targetAttempts: 2, triedNodeIds: [seeded.nodes['b']] });
  });
});
