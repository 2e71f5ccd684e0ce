import { IncidentState, NodeStatus, RecoveryAction, ServiceState } from '@haaas/domain';
import { FailoverDomainService } from '@haaas/management';
import type { Lab, Seeded } from '@haaas/recovery/testing';
import { FailbackScheduler } from './failback.scheduler';
import { OperationKind, OperationState } from './operation.types';
import { OperatorLab, startOperatorLab } from './testing/operator-lab';

/**
 * Issue 9, points 5 and 8, on libvirt test-driver hosts b and c (host a has an ipmi_sim BMC):
 * a service the watch can neither restart nor move goes FAILED once and is tried again only on a
 * change; startService adopts VMs that already run; failback waits the cluster's own
 * stabilisation, even while an incident waits for an operator. Judged by libvirt's domain state
 * and event log first, then by the rows and the log.
 */
describe('service watch verdicts, adoption, per-cluster failback timing', () => {
  let ops: OperatorLab;
  let lab: Lab;

  beforeAll(async () => {
    ops = await startOperatorLab();
    lab = ops.lab;
  }, 90_000);
  afterAll(() => ops?.close());

  const domains = () => lab.app.get(FailoverDomainService);
  const opsOn = (serviceId: string) => lab.store.repos.operations.find(lab.scope, { targetId: serviceId });
  /** Two passes of the watch 5 s apart (suspect, then act), as its timer would run them. */
  const twoPasses = async (seeded: Seeded) => {
    const t = Date.now();
    await ops.watch.runCluster(lab.scope, seeded.clusterId, t);
    return ops.watch.runCluster(lab.scope, seeded.clusterId, t + 5000);
  };

  it('a RELOCATE service whose restricted domain holds only its node: restarted in place while its budget lasts, then FAILED with the reason, retried only when its domain changes', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'ipmi' });
    const onlyB = await domains().create(lab.scope, { clusterId: seeded.clusterId, name: 'only-b', ordered: false, restricted: true, nofailback: false, members: [{ nodeId: seeded.nodes['b'] as string, priority: 1 }] });
    const id = await lab.addService(seeded, 'lonely', { vms: ['w1-lonely'], on: 'b', failoverDomainId: onlyB.id, recoveryAction: RecoveryAction.RELOCATE });
    await lab.store.repos.services.update(lab.scope, id, { maxRestarts: 1, restartWindowSeconds: 3600 });
    expect(lab.startsOf('w1-lonely')).toBe(1);

    // first failure: nowhere to move, budget left: restarted where it was
    await lab.hosts.virsh('b', ['destroy', 'w1-lonely']);
    expect((await twoPasses(seeded)).acted).toBe(1);
    const [restart] = await opsOn(id);
    expect(restart?.kind).toBe(OperationKind.SERVICE_RESTART);
    expect((await ops.settled(restart?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect(await lab.runningOn('w1-lonely')).toEqual(['b']);
    expect(lab.startsOf('w1-lonely')).toBe(2);
    const [detected] = await lab.events(seeded.clusterId, ['service.failure_detected']);
    expect(detected?.message).toMatch(/no other node can take it.*restart in place/);

    // second failure: budget spent and nowhere to move: FAILED, with the reason, within one pass of acting
    await lab.hosts.virsh('b', ['destroy', 'w1-lonely']);
    await twoPasses(seeded);
    expect(await lab.store.repos.services.get(lab.scope, id)).toMatchObject({ state: ServiceState.FAILED, currentNodeId: null });
    const [failed] = await lab.events(seeded.clusterId, ['service.failed']);
    expect(failed?.after?.['reason']).toMatch(/no other node can take it.*restart/);
    // not tried every pass: no operation since, libvirt started nothing
    for (let i = 0; i < 3; i++) await ops.watch.runCluster(lab.scope, seeded.clusterId, Date.now());
    expect((await opsOn(id)).map((o) => o.kind)).toEqual([OperationKind.SERVICE_RESTART]);
    expect(await lab.runningOn('w1-lonely')).toEqual([]);
    expect(lab.startsOf('w1-lonely')).toBe(2);

    // a change (host c joins its domain): tried once more, and it runs again
    await domains().update(lab.scope, { id: onlyB.id, members: [{ nodeId: seeded.nodes['b'] as string, priority: 1 }, { nodeId: seeded.nodes['c'] as string, priority: 2 }] });
    expect((await ops.watch.runCluster(lab.scope, seeded.clusterId, Date.now())).acted).toBe(1);
    const start = (await opsOn(id)).find((o) => o.kind === OperationKind.SERVICE_START);
    expect((await ops.settled(start?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect(await lab.runningOn('w1-lonely')).toHaveLength(1);
    expect(lab.startsOf('w1-lonely')).toBe(3);
    expect(await lab.events(seeded.clusterId, ['service.retry_on_change'])).toHaveLength(1);
    expect((await ops.watch.runCluster(lab.scope, seeded.clusterId, Date.now())).acted).toBe(0);
  });

  it('startService adopts a VM already running on a node ("already running there"), and refuses when copies run on two nodes', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'ipmi' });
    const id = await lab.addService(seeded, 'adopt', { vms: ['w2-adopt'], on: 'c' });
    // the record is lost (or the VM was started outside HAaaS): STOPPED in the API, running on c
    await lab.store.repos.services.update(lab.scope, id, { state: ServiceState.STOPPED, currentNodeId: null });
    const op = await ops.settled((await ops.operations.request(ops.member, { kind: OperationKind.SERVICE_START, targetId: id })).id);
    expect(op.state).toBe(OperationState.SUCCEEDED);
    expect(op.steps.find((s) => s.name === 'choose node')?.message).toMatch(/^adopted: already running on c\./);
    expect(await lab.runningOn('w2-adopt')).toEqual(['c']);
    expect(lab.startsOf('w2-adopt')).toBe(1); // libvirt started it once, before; adoption started nothing
    expect(await lab.store.repos.services.get(lab.scope, id)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: seeded.nodes['c'] });
    expect((await lab.events(seeded.clusterId, ['resource.started'])).some((e) => e.after?.['action'] === 'ALREADY_RUNNING')).toBe(true);

    const twice = await lab.addService(seeded, 'twice', { vms: ['w2-twice'], on: 'c', alsoDefinedOn: ['b'] });
    await lab.hosts.virsh('b', ['start', 'w2-twice']);
    await lab.store.repos.services.update(lab.scope, twice, { state: ServiceState.STOPPED, currentNodeId: null });
    const refused = await ops.settled((await ops.operations.request(ops.member, { kind: OperationKind.SERVICE_START, targetId: twice })).id);
    expect(refused.state).toBe(OperationState.FAILED);
    expect(refused.error).toMatch(/active on b\..* and c\./);
    expect((await lab.runningOn('w2-twice')).sort()).toEqual(['b', 'c']);
  });

  it("failback waits the cluster's own failbackStabilisationSeconds, and runs while an incident elsewhere waits for an operator", async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'wrong' });
    await lab.store.repos.clusters.update(lab.scope, seeded.clusterId, { fenceRetrySeconds: 3600, failbackStabilisationSeconds: 20 });
    const ordered = await domains().create(lab.scope, {
      clusterId: seeded.clusterId,
      name: 'b-first',
      ordered: true,
      restricted: false,
      nofailback: false,
      members: [
        { nodeId: seeded.nodes['b'] as string, priority: 1 },
        { nodeId: seeded.nodes['c'] as string, priority: 2 },
      ],
    });
    const id = await lab.addService(seeded, 'back', { vms: ['w3-back'], on: 'c', failoverDomainId: ordered.id });
    await lab.addService(seeded, 'held', { vms: ['w3-held'] });
    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.AWAITING_OPERATOR], 30_000);
    const backSince = Date.now();
    await lab.store.repos.nodes.update(lab.scope, seeded.nodes['b'] as string, { status: NodeStatus.ONLINE, statusChangedAt: new Date(backSince) });

    const failback = new FailbackScheduler(lab.store, ops.operations);
    expect(await failback.runCluster(lab.scope, seeded.clusterId, backSince + 19_000)).toBe(0);
    expect(await failback.runCluster(lab.scope, seeded.clusterId, backSince + 20_000)).toBe(1);
    const [move] = await opsOn(id);
    expect(move?.kind).toBe(OperationKind.SERVICE_RELOCATE);
    expect((await ops.settled(move?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect(await lab.runningOn('w3-back')).toEqual(['b']);
    // the incident's own service stayed where the incident holds it: nothing started it anywhere
    expect(lab.startsOf('w3-held')).toBe(0);
    expect((await lab.store.repos.incidents.get(lab.scope, incidentId)).state).toBe(IncidentState.AWAITING_OPERATOR);
  });
});
