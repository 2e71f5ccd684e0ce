import { processesMatching } from '@haaas/adapter-kvm/testing';
import { NodeStatus, RecoveryAction, ServiceState } from '@haaas/domain';
import { OperationEntity } from '@haaas/persistence';
import { createTestDatabase, testRedisUrl } from '@haaas/testing';
import { OperationKind, OperationState } from './operation.types';
import { SERVICE_WATCH_ACTOR, ServiceWatch } from './service-watch';
import { OperationsLab, startOperationsLab } from './testing/operations-lab';

/**
 * The service watch end to end below the API: real MariaDB, Redis and BullMQ workers, three
 * simulated KVM hosts (libvirtd test driver). VMs are destroyed behind HAaaS's back with a bare
 * virsh on their host, and where they run is read back the same way.
 */
let lab: OperationsLab;

beforeAll(async () => {
  lab = await startOperationsLab({ hosts: ['swA', 'swB', 'swC'], database: createTestDatabase, redisUrl: testRedisUrl(5), clusterName: 'sw' });
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (lab) expect(processesMatching(lab.peer.dir)).toEqual([]);
});

async function watchOps(serviceId: string): Promise<OperationEntity[]> {
  return (await lab.store.repos.operations.find(lab.scope, { targetId: serviceId })).filter((o) => o.requestedBy === SERVICE_WATCH_ACTOR);
}

async function destroy(host: string, vm: string): Promise<void> {
  const r = await lab.peer.virsh(host, ['destroy', vm]);
  expect(r.code).toBe(0);
  expect(await lab.runningOn(vm)).toEqual([]);
}

async function failureEvents(serviceId: string): Promise<{ after: Record<string, unknown> | null }[]> {
  return (await lab.store.repos.events.find(lab.scope, { clusterId: lab.clusterId, type: 'service.failure_detected' })).filter((e) => e.serviceId === serviceId);
}

describe('service watch', () => {
  let domainId: string;
  const watch = (): ServiceWatch => new ServiceWatch(lab.store, lab.operations, lab.nodes, lab.adapters, { listDeadlineMs: 5000 });

  beforeAll(async () => {
    domainId = await lab.domain('any', false, false);
  }, 60_000);

  it('restarts a VM that died on a healthy node in place, within the restart budget, then relocates it', async () => {
    const web = await lab.serviceOn('web', domainId, 'swA', { recoveryAction: RecoveryAction.RESTART, maxRestarts: 1 });
    const w = watch();
    // healthy: nothing suspected, nothing done
    expect((await w.runOnce()).acted).toBe(0);
    expect(await watchOps(web.serviceId)).toEqual([]);

    await destroy('swA', web.vm);
    // seen down once: suspect only (a restart half-way, a guest rebooting, must not be acted on)
    expect(await w.runOnce()).toMatchObject({ suspected: 1, acted: 0 });
    // still down: restarted in place, as the policy says
    expect(await w.runOnce()).toMatchObject({ acted: 1 });
    const [restart] = await watchOps(web.serviceId);
    expect(restart?.kind).toBe(OperationKind.SERVICE_RESTART);
    expect((await lab.settled(restart?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect(await lab.runningOn(web.vm)).toEqual(['swA']);
    expect((await lab.store.repos.services.get(lab.scope, web.serviceId)).recentRestarts).toHaveLength(1);
    expect((await failureEvents(web.serviceId))[0]?.after).toMatchObject({ decision: 'RESTART', operation: 'SERVICE_RESTART', down: [web.vm] });

    // down again: the budget (1 restart in 600 s) is spent, so it moves to another node
    await destroy('swA', web.vm);
    await w.runOnce();
    expect(await w.runOnce()).toMatchObject({ acted: 1 });
    const relocate = (await watchOps(web.serviceId)).find((o) => o.kind === OperationKind.SERVICE_RELOCATE);
    expect(relocate).toBeDefined();
    expect((await lab.settled(relocate?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    const where = await lab.runningOn(web.vm);
    expect(where).toHaveLength(1);
    expect(where[0]).not.toBe('swA');
    expect((await failureEvents(web.serviceId)).map((e) => e.after?.['decision'])).toEqual(['RESTART', 'RELOCATE']);
    // running again: nothing more to do
    expect((await w.runOnce()).acted).toBe(0);
  }, 120_000);

  it('stops a service whose policy is DISABLE instead of restarting it', async () => {
    const batch = await lab.serviceOn('batch', domainId, 'swB', { recoveryAction: RecoveryAction.DISABLE });
    const w = watch();
    await destroy('swB', batch.vm);
    await w.runOnce();
    expect(await w.runOnce()).toMatchObject({ acted: 1 });
    const [stop] = await watchOps(batch.serviceId);
    expect(stop?.kind).toBe(OperationKind.SERVICE_STOP);
    expect((await lab.settled(stop?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect((await lab.store.repos.services.get(lab.scope, batch.serviceId)).state).toBe(ServiceState.STOPPED);
    expect(await lab.runningOn(batch.vm)).toEqual([]);
  }, 120_000);

  it('acts once when several workers watch, and never on a node that is not ONLINE', async () => {
    const db2 = await lab.serviceOn('db', domainId, 'swC', { recoveryAction: RecoveryAction.RESTART, maxRestarts: 3 });
    const [w1, w2, w3] = [watch(), watch(), watch()];
    // the node is suspect (heartbeats missing): its services are the detector's, not the watch's
    await lab.setStatus('swC', NodeStatus.OFFLINE);
    await destroy('swC', db2.vm);
    await w1.runOnce();
    expect((await w1.runOnce()).acted).toBe(0);
    await lab.setStatus('swC', NodeStatus.ONLINE);
    await Promise.all([w1.runOnce(), w2.runOnce(), w3.runOnce()]);
    const acted = await Promise.all([w1.runOnce(), w2.runOnce(), w3.runOnce()]);
    expect(acted.reduce((n, r) => n + r.acted, 0)).toBe(1);
    const ops = await watchOps(db2.serviceId);
    expect(ops).toHaveLength(1);
    expect((await lab.settled(ops[0]?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect(await lab.runningOn(db2.vm)).toEqual(['swC']);
    expect(await failureEvents(db2.serviceId)).toHaveLength(1);
    // the others, once the restart is done, see it running and stand down
    await Promise.all([w2.runOnce(), w3.runOnce()]);
    const again = await Promise.all([w2.runOnce(), w3.runOnce()]);
    expect(again.reduce((n, r) => n + r.acted, 0)).toBe(0);
    expect(await watchOps(db2.serviceId)).toHaveLength(1);
  }, 120_000);
});
