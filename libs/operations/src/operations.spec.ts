import { BadInputError, ClusterState, NodeStatus, NotFoundError, PreconditionFailedError, Problems, TenantScope } from '@haaas/domain';
import { AdapterError } from '@haaas/hypervisor';
import { clusterStartCheck, clusterTransitionRefusal, startRefusal } from './cluster-preconditions';
import { checkIdempotencyKey, storedIdempotencyKey } from './idempotency-key';
import { AsyncQueue } from './live/async-queue';
import { uuidv7Floor, uuidv7Ms } from './live/uuidv7.util';
import { advance, describeFailure, OperationStepError, progressOf } from './operation-run';
import { OperationKind, OperationStepState } from './operation.types';

const node = (id: string, status: NodeStatus, maintenance = false) => ({ id, status, maintenance });

describe('starting HA: quorum and the minimum of healthy nodes', () => {
  it('needs N/2 + 1 healthy nodes and minHealthyNodes', () => {
    const three = [node('a', NodeStatus.ONLINE), node('b', NodeStatus.ONLINE), node('c', NodeStatus.OFFLINE)];
    expect(clusterStartCheck({ minHealthyNodes: 2 }, three)).toMatchObject({ totalNodes: 3, healthyNodes: 2, quorum: 2, quorate: true, ok: true });
    expect(clusterStartCheck({ minHealthyNodes: 3 }, three)).toMatchObject({ quorate: true, ok: false });
    // a node in maintenance is not healthy, whatever its status says
    expect(clusterStartCheck({ minHealthyNodes: 1 }, [node('a', NodeStatus.ONLINE), node('b', NodeStatus.ONLINE, true)])).toMatchObject({ healthyNodes: 1, quorum: 2, ok: false });
    // two of four is not a majority
    expect(clusterStartCheck({ minHealthyNodes: 1 }, [...three, node('d', NodeStatus.FAILED)])).toMatchObject({ healthyNodes: 2, quorum: 3, ok: false });
    expect(clusterStartCheck({ minHealthyNodes: 1 }, [])).toMatchObject({ quorate: false, ok: false });
  });

  it('says what is missing, with the figures as details', () => {
    const check = clusterStartCheck({ minHealthyNodes: 3 }, [node('a', NodeStatus.ONLINE), node('b', NodeStatus.UNSTABLE), node('c', NodeStatus.ONLINE)]);
    const refusal = startRefusal({ name: 'east', minHealthyNodes: 3 }, check);
    expect(refusal).toBeInstanceOf(PreconditionFailedError);
    expect(refusal.message).toBe('cannot start HA on cluster "east": 2 of 3 node(s) healthy (ONLINE, not in maintenance); the cluster policy needs at least 3 (minHealthyNodes)');
    expect(refusal.details).toEqual({ reason: 'NO_QUORUM', totalNodes: 3, healthyNodes: 2, quorum: 2, minHealthyNodes: 3 });
  });

  it('allows each action only from the HA states it makes sense in; the same state again is allowed (it does nothing)', () => {
    const refusal = (kind: OperationKind, state: ClusterState) => clusterTransitionRefusal(kind, { name: 'c', state })?.message ?? null;
    expect(refusal(OperationKind.CLUSTER_START, ClusterState.STOPPED)).toBeNull();
    expect(refusal(OperationKind.CLUSTER_START, ClusterState.STARTED)).toBeNull();
    expect(refusal(OperationKind.CLUSTER_START, ClusterState.SUSPENDED)).toMatch(/resume it/);
    expect(refusal(OperationKind.CLUSTER_SUSPEND, ClusterState.STOPPED)).toMatch(/HA is not started/);
    expect(refusal(OperationKind.CLUSTER_SUSPEND, ClusterState.SUSPENDED)).toBeNull();
    expect(refusal(OperationKind.CLUSTER_RESUME, ClusterState.STOPPED)).toMatch(/start it/);
    expect(refusal(OperationKind.CLUSTER_RESUME, ClusterState.STARTED)).toBeNull();
    for (const s of Object.values(ClusterState)) expect(refusal(OperationKind.CLUSTER_STOP, s)).toBeNull();
  });
});

describe('idempotency keys', () => {
  const problems = (key: string | null | undefined) => {
    const p = new Problems();
    checkIdempotencyKey(p, 'idempotencyKey', key);
    try {
      p.throwIfAny();
      return [];
    } catch (err) {
      return (err as BadInputError).problems.map((x) => x.field);
    }
  };

  it('takes 1-80 printable ASCII characters without spaces, or nothing', () => {
    expect(problems(null)).toEqual([]);
    expect(problems(undefined)).toEqual([]);
    expect(problems('018f3a2e-7c1d-7000-8000-000000000001')).toEqual([]);
    expect(problems('deploy-42/step:3')).toEqual([]);
    expect(problems('x'.repeat(80))).toEqual([]);
    expect(problems('')).toEqual(['idempotencyKey']);
    expect(problems('x'.repeat(81))).toEqual(['idempotencyKey']);
    expect(problems('two words')).toEqual(['idempotencyKey']);
    expect(problems('naïve')).toEqual(['idempotencyKey']);
    expect(problems('tab\there')).toEqual(['idempotencyKey']);
  });

  it('is stored per tenant, so two tenants never share one, and fits the column', () => {
    const a = TenantScope.of('alice', { subject: 'a', roles: ['member'] });
    const b = TenantScope.of('bob', { subject: 'b', roles: ['member'] });
    expect(storedIdempotencyKey(a, 'k')).not.toBe(storedIdempotencyKey(b, 'k'));
    expect(storedIdempotencyKey(TenantScope.of('t'.repeat(64), { subject: 'x', roles: [] }), 'k'.repeat(80)).length).toBeLessThanOrEqual(160);
  });
});

describe('operation steps', () => {
  const step = (state: OperationStepState) => ({ name: state, state });

  it('reports progress as settled steps over all steps, below 100 until the operation ends', () => {
    expect(progressOf([])).toBe(0);
    expect(progressOf([step(OperationStepState.SUCCEEDED), step(OperationStepState.RUNNING)])).toBe(50);
    expect(progressOf([step(OperationStepState.SKIPPED), step(OperationStepState.FAILED), step(OperationStepState.PENDING)])).toBe(66);
    expect(progressOf([step(OperationStepState.SUCCEEDED)])).toBe(99);
  });

  it('never lowers the progress when steps are planned on the way', () => {
    // one step done (99), then two more found: the ratio alone would drop to 33
    expect(advance(99, [step(OperationStepState.SUCCEEDED), step(OperationStepState.PENDING), step(OperationStepState.PENDING)])).toBe(99);
    expect(advance(10, [step(OperationStepState.SUCCEEDED), step(OperationStepState.RUNNING)])).toBe(50);
  });

  it('shows our own, domain and adapter failures as they are, and nothing of anything else', () => {
    expect(describeFailure(new OperationStepError('no node can take it'))).toBe('no node can take it');
    expect(describeFailure(new NotFoundError('Service', 's1'))).toBe('Service s1 not found');
    expect(describeFailure(new AdapterError('UNREACHABLE', 'connection refused', 'startVm'))).toBe('UNREACHABLE: connection refused');
    expect(describeFailure(new Error("ER_NO_SUCH_TABLE: Table 'haaas.nodes' doesn't exist"))).toBe('internal error (see the worker log)');
    expect(describeFailure('a string')).toBe('internal error (see the worker log)');
  });
});

describe('AsyncQueue', () => {
  it('hands items to a waiting reader and to a later one, in order, then ends', async () => {
    let cleaned = 0;
    const q = new AsyncQueue<number>(() => void (cleaned += 1));
    const first = q.next();
    q.push(1);
    q.push(2);
    expect(await first).toEqual({ value: 1, done: false });
    q.end();
    expect(await q.next()).toEqual({ value: 2, done: false });
    expect(await q.next()).toEqual({ value: undefined, done: true });
    q.push(3);
    expect(await q.next()).toEqual({ value: undefined, done: true });
    await q.return();
    expect(cleaned).toBe(1);
  });

  it('fails a reader that falls behind its limit, and runs the cleanup', async () => {
    let cleaned = false;
    const q = new AsyncQueue<number>(() => void (cleaned = true), 2);
    q.push(1);
    q.push(2);
    q.push(3);
    expect(cleaned).toBe(true);
    await expect(q.next()).rejects.toThrow(/fell 2 items behind/);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('ends after a delay (an expiring token) and wakes a waiting reader', async () => {
    const q = new AsyncQueue<number>(() => undefined);
    const waiting = q.next();
    q.endAfter(20);
    expect(await waiting).toEqual({ value: undefined, done: true });
  });
});

describe('UUIDv7 bounds', () => {
  it('orders a floor below every id of its millisecond and above every earlier one', () => {
    const ms = 1_795_300_000_123;
    const id = `${ms.toString(16).padStart(12, '0').slice(0, 8)}-${ms.toString(16).padStart(12, '0').slice(8)}-7abc-8def-0123456789ab`;
    expect(uuidv7Ms(id)).toBe(ms);
    expect(uuidv7Floor(ms) < id).toBe(true);
    expect(uuidv7Floor(ms + 1) > id).toBe(true);
    expect(uuidv7Ms('not-a-uuid')).toBeNull();
  });
});
