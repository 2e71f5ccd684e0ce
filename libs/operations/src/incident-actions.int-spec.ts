import { BadInputError, IncidentState, PreconditionFailedError, RecoveryAction, ServiceState } from '@haaas/domain';
import { FencingDeviceService } from '@haaas/management';
import type { Lab, Seeded } from '@haaas/recovery/testing';
import { OperationKind, OperationState } from './operation.types';
import { OperatorLab, startOperatorLab } from './testing/operator-lab';

/**
 * Issue 9, point 1: the operator's way out of an incident whose fence failed (a wrong BMC
 * password), as operations a member asks for, run by operation workers next to the recovery
 * workers: real MariaDB and Redis, libvirt test-driver hosts b and c, and host a with an ipmi_sim
 * BMC fenced by fence_ipmilan. Judged by the BMC's power state and chassis log and by libvirt's
 * own domain state and event log, then by the rows.
 */
describe('incident actions: confirm, retry, cancel; an open incident holds only its node', () => {
  let ops: OperatorLab;
  let lab: Lab;

  beforeAll(async () => {
    ops = await startOperatorLab({ fenceRetryMaxMs: 4_000 });
    lab = ops.lab;
  }, 90_000);
  afterAll(() => ops?.close());

  const settled = (opId: string) => ops.settled(opId);
  const ask = async (kind: OperationKind, incidentId: string, note?: string) => settled((await ops.operations.request(ops.member, { kind, targetId: incidentId, ...(note ? { params: { note } } : {}) })).id);
  /** Host a crashed with a wrong BMC password configured: the incident waits for an operator. */
  const waitingIncident = async (vm: string, fenceRetrySeconds: number): Promise<{ seeded: Seeded; incidentId: string; serviceId: string }> => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'wrong' });
    await lab.store.repos.clusters.update(lab.scope, seeded.clusterId, { fenceRetrySeconds });
    const serviceId = await lab.addService(seeded, vm, { vms: [vm] });
    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.AWAITING_OPERATOR], 30_000);
    return { seeded, incidentId, serviceId };
  };
  const fixPassword = async (seeded: Seeded): Promise<void> => {
    const devices = await lab.store.repos.fencingDevices.find(lab.scope, { clusterId: seeded.clusterId });
    for (const d of devices) await lab.app.get(FencingDeviceService).setOptions(lab.scope, { id: d.id, setSecrets: [{ key: 'password', value: lab.failed.bmc.password }] });
  };
  const operatorActions = async (clusterId: string) => (await lab.events(clusterId, ['incident.operator_action'])).map((e) => e.after);

  it('confirmNodeFenced: recovery proceeds on the operator\'s word, logged with who and why; the BMC was never switched', async () => {
    const { seeded, incidentId } = await waitingIncident('r1-held', 3600);
    expect(lab.failed.bmc.power()).toBe('on'); // the wrong password switched nothing
    expect(lab.startsOf('r1-held')).toBe(0); // started on b or c: never (its first start was on a)
    await expect(ops.operations.request(ops.member, { kind: OperationKind.INCIDENT_CONFIRM_FENCED, targetId: incidentId })).rejects.toBeInstanceOf(BadInputError);

    const op = await ask(OperationKind.INCIDENT_CONFIRM_FENCED, incidentId, 'host a seen powered off at the console by alice');
    expect(op).toMatchObject({ state: OperationState.SUCCEEDED, targetType: 'INCIDENT', requestedBy: 'alice@example.com' });
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 30_000);
    expect(await lab.runningOn('r1-held')).toHaveLength(1);
    expect(lab.startsOf('r1-held')).toBe(1);
    expect(lab.failed.bmc.chassisLog()).not.toContain('set power 0');
    expect(await operatorActions(seeded.clusterId)).toEqual([
      expect.objectContaining({ action: 'OPERATOR_CONFIRMED_FENCED', operator: 'alice@example.com', note: 'host a seen powered off at the console by alice' }),
    ]);
    expect((await lab.store.repos.incidents.get(lab.scope, incidentId)).fencing).toMatchObject({ fencedBy: 'OPERATOR', confirmedBy: 'alice@example.com' });
    // a closed incident takes no more actions: refused at once, not a FAILED operation
    await expect(ops.operations.request(ops.member, { kind: OperationKind.INCIDENT_RETRY, targetId: incidentId })).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('a fixed fencing device resumes the incident by itself: the next attempt (doubling waits) switches the BMC off and recovery follows', async () => {
    const { seeded, incidentId } = await waitingIncident('r2-auto', 1);
    // it tries again by itself while the password is still wrong: the BMC refuses each time
    await waitFor(async () => (await lab.events(seeded.clusterId, ['incident.fence_attempt'])).length >= 2, 20_000);
    expect(lab.failed.bmc.power()).toBe('on');
    expect(lab.startsOf('r2-auto')).toBe(0);
    await fixPassword(seeded);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 30_000);
    expect(lab.failed.bmc.power()).toBe('off');
    expect(lab.failed.bmc.chassisLog()).toContain('set power 0');
    expect(await lab.runningOn('r2-auto')).toHaveLength(1);
    const attempts = (await lab.events(seeded.clusterId, ['incident.fence_attempt'])).map((e) => e.after?.['ok']);
    expect(attempts.at(-1)).toBe(true);
    expect(attempts.slice(0, -1).every((ok) => ok === false)).toBe(true);
    expect((await operatorActions(seeded.clusterId)).every((a) => a?.['operator'] === 'system:recovery' && a?.['action'] === 'RETRY_FENCING')).toBe(true);
    expect((await lab.store.repos.incidents.get(lab.scope, incidentId)).fencing).toMatchObject({ fencedBy: 'DEVICE' });
  });

  it('retryIncident after the device was fixed fences at once; cancelIncident stops a recovery and starts nothing', async () => {
    const first = await waitingIncident('r3-retry', 3600);
    await fixPassword(first.seeded);
    const retried = await ask(OperationKind.INCIDENT_RETRY, first.incidentId, 'BMC password corrected');
    expect(retried.state).toBe(OperationState.SUCCEEDED);
    await lab.waitForIncident(first.incidentId, [IncidentState.RECOVERED], 30_000);
    expect(lab.failed.bmc.power()).toBe('off');
    expect(await lab.runningOn('r3-retry')).toHaveLength(1);
    expect(await operatorActions(first.seeded.clusterId)).toEqual([expect.objectContaining({ action: 'RETRY_FENCING', operator: 'alice@example.com', note: 'BMC password corrected' })]);

    const second = await waitingIncident('r4-cancel', 3600);
    const cancelled = await ask(OperationKind.INCIDENT_CANCEL, second.incidentId, 'host a is being decommissioned');
    expect(cancelled.state).toBe(OperationState.SUCCEEDED);
    expect((await lab.store.repos.incidents.get(lab.scope, second.incidentId)).state).toBe(IncidentState.CANCELLED);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await lab.runningOn('r4-cancel')).toEqual([]);
    expect(lab.startsOf('r4-cancel')).toBe(0);
    expect(lab.failed.bmc.power()).toBe('on');
    expect(await operatorActions(second.seeded.clusterId)).toEqual([expect.objectContaining({ action: 'OPERATOR_CANCELLED', operator: 'alice@example.com', note: 'host a is being decommissioned' })]);
  });

  it('while an incident waits for an operator, the service watch still restarts a VM that stopped on a healthy node', async () => {
    const { seeded } = await waitingIncident('r5-held', 3600);
    const other = await lab.addService(seeded, 'r5-web', { vms: ['r5-web'], on: 'b', recoveryAction: RecoveryAction.RESTART });
    await lab.hosts.virsh('b', ['destroy', 'r5-web']);
    const t0 = Date.now();
    await ops.watch.runCluster(lab.scope, seeded.clusterId, t0); // suspect
    const acted = await ops.watch.runCluster(lab.scope, seeded.clusterId, t0 + 5000);
    expect(acted.acted).toBe(1);
    const [op] = await lab.store.repos.operations.find(lab.scope, { targetId: other, kind: OperationKind.SERVICE_RESTART });
    expect(op).toBeDefined();
    expect((await settled(op?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect(await lab.runningOn('r5-web')).toEqual(['b']);
    expect(lab.startsOf('r5-web')).toBe(2);
    expect(await lab.store.repos.services.get(lab.scope, other)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: seeded.nodes['b'] });
    // the incident's own service was left alone
    expect(lab.startsOf('r5-held')).toBe(0);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
