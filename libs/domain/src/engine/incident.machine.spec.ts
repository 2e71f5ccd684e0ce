import { RecoveryAction } from '../enums';
import { node, service } from './engine.fixtures';
import {
  applyIncidentEvent,
  AwaitingReason,
  dueRetries,
  FenceStepState,
  fenceRetryDueAtMs,
  Incident,
  IncidentEvent,
  IncidentState,
  incidentReport,
  openIncident,
  RtoOutcome,
  ServiceRecoveryState,
  servicesToPlace,
} from './incident.machine';
import { planRecovery, RecoveryPlanInput, RecoveryService } from './recovery.planner';

const S = 1000;
const T0 = 5_000_000 * S;

function rs(id: string, o: Partial<RecoveryService> = {}): RecoveryService {
  return { ...service(id), recoveryAction: RecoveryAction.RELOCATE, maxRelocations: 3, recoveryTimeObjectiveSeconds: null, ...o };
}

const input: RecoveryPlanInput = {
  failedNodeId: 'x',
  nodes: [node('x'), node('a'), node('b'), node('c')],
  services: [
    rs('web1', { priority: 500 }),
    rs('db', { priority: 900, recoveryTimeObjectiveSeconds: 60 }),
    rs('web2', { priority: 500 }),
    rs('web3', { priority: 500, recoveryTimeObjectiveSeconds: 30 }),
    rs('batch', { priority: 100, recoveryAction: RecoveryAction.DISABLE }),
  ],
  fencing: [
    { deviceId: 'ipmi', level: 1 },
    { deviceId: 'pdu-1', level: 2 },
    { deviceId: 'pdu-2', level: 2 },
  ],
  policy: { fencingRequired: true },
  settings: { parallelism: 2 },
};

function open(over: Partial<RecoveryPlanInput> = {}): Incident {
  return openIncident({ id: 'i1', plan: planRecovery({ ...input, ...over }), lastSeenAtMs: T0, detectedAtMs: T0 + 10 * S, declaredAtMs: T0 + 12 * S });
}

/** Applies events that must all be accepted; returns the final incident. */
function apply(incident: Incident, events: IncidentEvent[]): Incident {
  return events.reduce((inc, e) => {
    const r = applyIncidentEvent(inc, e);
    if (!r.ok) throw new Error(`${e.type} refused: ${r.error}`);
    return r.incident;
  }, incident);
}

function refused(incident: Incident, e: IncidentEvent): string {
  const r = applyIncidentEvent(incident, e);
  if (r.ok) throw new Error(`${e.type} was accepted`);
  expect(r.incident).toBe(incident);
  return r.error;
}

const states = (i: Incident) => Object.fromEntries(i.services.map((s) => [s.serviceId, s.state]));
const P = ServiceRecoveryState;
const begin: IncidentEvent = { type: 'BEGIN_FENCING', atMs: T0 + 13 * S, quorate: true };
const ipmiOk: IncidentEvent = { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 15 * S, level: 1, deviceId: 'ipmi', ok: true };
const recovering = (over: Partial<RecoveryPlanInput> = {}) => apply(open(over), [begin, ipmiOk]);

describe('incident machine', () => {
  it('opens in DETECTED with the plan\'s services, fencing levels and timings', () => {
    const i = open();
    expect(i.state).toBe(IncidentState.DETECTED);
    expect(i.revision).toBe(0);
    expect(i.parallelism).toBe(2);
    expect(i.services.map((s) => [s.serviceId, s.state, s.plannedNodeId, s.rto])).toEqual([
      ['db', P.PENDING, 'a', RtoOutcome.PENDING],
      ['web1', P.PENDING, 'b', RtoOutcome.NONE],
      ['web2', P.PENDING, 'c', RtoOutcome.NONE],
      ['web3', P.PENDING, 'a', RtoOutcome.PENDING],
      ['batch', P.SKIPPED, null, RtoOutcome.NONE],
    ]);
    expect(i.services[4]?.reason).toBe('recovery action DISABLE: not restarted');
    expect(i.fencing.levels.map((l) => [l.level, l.state, l.devices.map((d) => d.deviceId)])).toEqual([
      [1, FenceStepState.PENDING, ['ipmi']],
      [2, FenceStepState.PENDING, ['pdu-1', 'pdu-2']],
    ]);
    expect(i.timings).toEqual({
      lastSeenAtMs: T0,
      detectedAtMs: T0 + 10 * S,
      declaredAtMs: T0 + 12 * S,
      fencingStartedAtMs: null,
      fencedAtMs: null,
      recoveryStartedAtMs: null,
      closedAtMs: null,
    });
  });

  describe('quorum', () => {
    it('without quorum it waits (AWAITING_OPERATOR, QUORUM), and fences once quorum returns', () => {
      const waiting = apply(open(), [{ type: 'BEGIN_FENCING', atMs: T0 + 13 * S, quorate: false }]);
      expect(waiting).toMatchObject({ state: IncidentState.AWAITING_OPERATOR, awaiting: AwaitingReason.QUORUM, revision: 1 });
      expect(waiting.reason).toBe('the cluster is not quorate: nothing is fenced or recovered until quorum returns (bring nodes back, or remove dead nodes from the cluster)');
      expect(applyIncidentEvent(waiting, { type: 'BEGIN_FENCING', atMs: T0 + 14 * S, quorate: false })).toEqual({ ok: true, changed: false, incident: waiting });
      expect(refused(waiting, { type: 'OPERATOR_CONFIRMED_FENCED', atMs: T0 + 14 * S, operator: 'ops' })).toBe('nothing to confirm in AWAITING_OPERATOR (QUORUM)');
      const fencing = apply(waiting, [{ type: 'BEGIN_FENCING', atMs: T0 + 20 * S, quorate: true }]);
      expect(fencing).toMatchObject({ state: IncidentState.FENCING, awaiting: null, reason: null });
      expect(fencing.timings.fencingStartedAtMs).toBe(T0 + 20 * S);
    });
  });

  describe('fencing', () => {
    it('a level whose devices all succeed fences the node and starts recovery', () => {
      const i = recovering();
      expect(i.state).toBe(IncidentState.RECOVERING);
      expect(i.fencing).toMatchObject({ fencedBy: 'DEVICE', proceededUnfenced: false });
      expect(i.fencing.levels[0]?.state).toBe(FenceStepState.SUCCEEDED);
      expect(i.timings).toMatchObject({ fencingStartedAtMs: T0 + 13 * S, fencedAtMs: T0 + 15 * S, recoveryStartedAtMs: T0 + 15 * S });
    });

    it('a failed level moves to the next; a level needs every device', () => {
      const i = apply(open(), [begin, { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 14 * S, level: 1, deviceId: 'ipmi', ok: false, error: 'BMC timeout' }]);
      expect(i.state).toBe(IncidentState.FENCING);
      expect(i.fencing.levels.map((l) => l.state)).toEqual([FenceStepState.FAILED, FenceStepState.PENDING]);
      const half = apply(i, [{ type: 'FENCE_DEVICE_RESULT', atMs: T0 + 15 * S, level: 2, deviceId: 'pdu-1', ok: true }]);
      expect(half.state).toBe(IncidentState.FENCING);
      const done = apply(half, [{ type: 'FENCE_DEVICE_RESULT', atMs: T0 + 16 * S, level: 2, deviceId: 'pdu-2', ok: true }]);
      expect(done.state).toBe(IncidentState.RECOVERING);
      expect(done.timings.fencedAtMs).toBe(T0 + 16 * S);
    });

    it('every level failing with fencing required: services stay put, an operator must confirm', () => {
      const i = apply(open(), [
        begin,
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 14 * S, level: 1, deviceId: 'ipmi', ok: false, error: 'BMC timeout' },
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 15 * S, level: 2, deviceId: 'pdu-1', ok: true },
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 16 * S, level: 2, deviceId: 'pdu-2', ok: false, error: 'outlet busy' },
      ]);
      expect(i).toMatchObject({ state: IncidentState.AWAITING_OPERATOR, awaiting: AwaitingReason.FENCING });
      expect(i.reason).toBe('every fencing level failed (level 1: ipmi (BMC timeout); level 2: pdu-2 (outlet busy)): services stay put until an operator confirms the node is off');
      expect(states(i)).toMatchObject({ db: P.PENDING });
      expect(refused(i, { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 17 * S, serviceId: 'db', nodeId: 'a' })).toBe('services are not recovered in AWAITING_OPERATOR: the node must be fenced first');
      const confirmed = apply(i, [{ type: 'OPERATOR_CONFIRMED_FENCED', atMs: T0 + 60 * S, operator: 'alice' }]);
      expect(confirmed).toMatchObject({ state: IncidentState.RECOVERING, awaiting: null, reason: null });
      expect(confirmed.fencing).toMatchObject({ fencedBy: 'OPERATOR', confirmedBy: 'alice' });
      expect(confirmed.timings.fencedAtMs).toBe(T0 + 60 * S);
    });

    it('a failed fence can be tried again from the first level (device fixed); the engine retries on doubling waits', () => {
      const failed = apply(open(), [
        begin,
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 14 * S, level: 1, deviceId: 'ipmi', ok: false, error: 'AUTH_FAILED' },
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 15 * S, level: 2, deviceId: 'pdu-1', ok: false, error: 'outlet busy' },
      ]);
      expect(failed.state).toBe(IncidentState.AWAITING_OPERATOR);
      // 2 s of fencing so far: the first retry waits the minimum, 30 s after the last attempt
      expect(fenceRetryDueAtMs(failed, 30 * S, 600 * S)).toBe(T0 + 45 * S);
      const again = apply(failed, [{ type: 'RETRY_FENCING', atMs: T0 + 45 * S, operator: 'system:recovery' }]);
      expect(again).toMatchObject({ state: IncidentState.FENCING, awaiting: null, reason: null });
      expect(again.fencing.levels.map((l) => [l.state, ...l.devices.map((d) => d.state)])).toEqual([[FenceStepState.PENDING, FenceStepState.PENDING], [FenceStepState.PENDING, FenceStepState.PENDING, FenceStepState.PENDING]]);
      expect(again.timings.fencingStartedAtMs).toBe(T0 + 13 * S);
      const twice = apply(again, [
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 46 * S, level: 1, deviceId: 'ipmi', ok: false, error: 'AUTH_FAILED' },
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 47 * S, level: 2, deviceId: 'pdu-1', ok: false, error: 'outlet busy' },
      ]);
      // 34 s of fencing so far: the next wait doubles, capped by the maximum
      expect(fenceRetryDueAtMs(twice, 30 * S, 600 * S)).toBe(T0 + 81 * S);
      expect(fenceRetryDueAtMs(twice, 1 * S, 10 * S)).toBe(T0 + 57 * S);
      const fixed = apply(twice, [
        { type: 'RETRY_FENCING', atMs: T0 + 81 * S, operator: 'alice', note: 'BMC password fixed' },
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 82 * S, level: 1, deviceId: 'ipmi', ok: true },
      ]);
      expect(fixed).toMatchObject({ state: IncidentState.RECOVERING, fencing: { fencedBy: 'DEVICE' } });
      expect(fenceRetryDueAtMs(fixed, 30 * S, 600 * S)).toBeNull();
      expect(refused(fixed, { type: 'RETRY_FENCING', atMs: T0 + 90 * S, operator: 'alice' })).toBe('nothing to fence again in RECOVERING');
      const noDevice = apply(open({ fencing: [] }), [begin]);
      expect(noDevice.awaiting).toBe(AwaitingReason.FENCING);
      expect(fenceRetryDueAtMs(noDevice, 30 * S, 600 * S)).toBeNull();
      expect(refused(noDevice, { type: 'RETRY_FENCING', atMs: T0 + 20 * S, operator: 'alice' })).toMatch(/no fencing device/);
    });

    it('every level failing with fencingRequired=false: recovery proceeds unfenced, and says so', () => {
      const i = apply(open({ policy: { fencingRequired: false }, fencing: [{ deviceId: 'ipmi', level: 1 }] }), [
        begin,
        { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 14 * S, level: 1, deviceId: 'ipmi', ok: false, error: 'BMC timeout' },
      ]);
      expect(i.state).toBe(IncidentState.RECOVERING);
      expect(i.fencing).toMatchObject({ fencedBy: null, proceededUnfenced: true });
      expect(i.timings.fencedAtMs).toBeNull();
      expect(i.reason).toBe('every fencing level failed (level 1: ipmi (BMC timeout)); fencingRequired=false: recovering unfenced');
    });

    it('no device: waits for an operator if fencing is required, recovers at once otherwise', () => {
      expect(apply(open({ fencing: [] }), [begin])).toMatchObject({
        state: IncidentState.AWAITING_OPERATOR,
        awaiting: AwaitingReason.FENCING,
        reason: 'no fencing device and fencing is required: confirm the node is off',
      });
      const unfenced = apply(open({ fencing: [], policy: { fencingRequired: false } }), [begin]);
      expect(unfenced.state).toBe(IncidentState.RECOVERING);
      expect(unfenced.fencing.proceededUnfenced).toBe(true);
    });

    it('refuses results out of order or for unknown devices; ignores late ones', () => {
      const fencing = apply(open(), [begin]);
      expect(refused(fencing, { type: 'FENCE_DEVICE_RESULT', atMs: T0, level: 2, deviceId: 'pdu-1', ok: true })).toBe('level 2 is not the current level (1)');
      expect(refused(fencing, { type: 'FENCE_DEVICE_RESULT', atMs: T0, level: 3, deviceId: 'x', ok: true })).toBe("level 3 is not in the node's fencing topology");
      expect(refused(fencing, { type: 'FENCE_DEVICE_RESULT', atMs: T0, level: 1, deviceId: 'pdu-1', ok: true })).toBe('device pdu-1 is not at level 1');
      const r = recovering();
      expect(applyIncidentEvent(r, { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 30 * S, level: 2, deviceId: 'pdu-1', ok: true })).toEqual({ ok: true, changed: false, incident: r });
      expect(applyIncidentEvent(r, ipmiOk)).toEqual({ ok: true, changed: false, incident: r });
      expect(applyIncidentEvent(r, begin)).toEqual({ ok: true, changed: false, incident: r });
    });

    it('an operator may confirm the fence while fencing still runs', () => {
      const i = apply(open(), [begin, { type: 'OPERATOR_CONFIRMED_FENCED', atMs: T0 + 14 * S, operator: 'bob' }]);
      expect(i.state).toBe(IncidentState.RECOVERING);
      expect(refused(open(), { type: 'OPERATOR_CONFIRMED_FENCED', atMs: T0, operator: 'bob' })).toBe('nothing to confirm in DETECTED');
    });
  });

  describe('services', () => {
    it('priority first: only the highest unsettled priority is admitted, up to the parallelism', () => {
      const i = recovering();
      expect(states(i)).toEqual({ db: P.PLACING, web1: P.PENDING, web2: P.PENDING, web3: P.PENDING, batch: P.SKIPPED });
      expect(servicesToPlace(i).map((s) => s.serviceId)).toEqual(['db']);
      expect(refused(i, { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'web1', nodeId: 'b' })).toBe('service web1 is PENDING, not PLACING');

      const dbUp = apply(i, [
        { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' },
        { type: 'SERVICE_RUNNING', atMs: T0 + 20 * S, serviceId: 'db', nodeId: 'a' },
      ]);
      expect(states(dbUp)).toEqual({ db: P.RUNNING, web1: P.PLACING, web2: P.PLACING, web3: P.PENDING, batch: P.SKIPPED });

      const oneWebUp = apply(dbUp, [
        { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 21 * S, serviceId: 'web1', nodeId: 'b' },
        { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 21 * S, serviceId: 'web2', nodeId: 'c' },
        { type: 'SERVICE_RUNNING', atMs: T0 + 25 * S, serviceId: 'web2', nodeId: 'c' },
      ]);
      expect(states(oneWebUp)).toEqual({ db: P.RUNNING, web1: P.STARTING, web2: P.RUNNING, web3: P.PLACING, batch: P.SKIPPED });
    });

    it('records the target, the tried nodes, the attempts and the first start time', () => {
      const i = apply(recovering(), [{ type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' }]);
      expect(i.services[0]).toMatchObject({ state: P.STARTING, targetNodeId: 'a', triedNodeIds: ['a'], attempts: 1, targetAttempts: 1, startedAtMs: T0 + 16 * S });
    });

    it('retries on the same target with backoff, then moves to the next candidate, then RUNNING', () => {
      const fail = (atS: number, nodeId: string): IncidentEvent => ({ type: 'SERVICE_START_FAILED', atMs: T0 + atS * S, serviceId: 'db', nodeId, error: 'domain start timed out', retryable: true });
      let i = apply(recovering(), [{ type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' }, fail(20, 'a')]);
      expect(i.services[0]).toMatchObject({ state: P.RETRYING, retryAtMs: T0 + 22 * S, reason: 'start on a failed: domain start timed out' });
      expect(dueRetries(i, T0 + 21 * S)).toEqual([]);
      expect(dueRetries(i, T0 + 22 * S).map((s) => s.serviceId)).toEqual(['db']);
      expect(refused(i, { type: 'SERVICE_RETRY_DUE', atMs: T0 + 21 * S, serviceId: 'db' })).toBe(`retry of db is not due before ${T0 + 22 * S}`);

      i = apply(i, [{ type: 'SERVICE_RETRY_DUE', atMs: T0 + 22 * S, serviceId: 'db' }, fail(25, 'a')]);
      expect(i.services[0]).toMatchObject({ state: P.RETRYING, retryAtMs: T0 + 29 * S, attempts: 2, targetAttempts: 2 });
      i = apply(i, [{ type: 'SERVICE_RETRY_DUE', atMs: T0 + 29 * S, serviceId: 'db' }, fail(30, 'a')]);
      expect(i.services[0]).toMatchObject({ state: P.PLACING, targetNodeId: null, attempts: 3, reason: 'gave up a (3 of 3 start attempts failed on this node): domain start timed out' });
      expect(servicesToPlace(i).map((s) => s.serviceId)).toEqual(['db']);
      expect(refused(i, { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 31 * S, serviceId: 'db', nodeId: 'a' })).toBe('a was already tried for db');
      expect(refused(i, { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 31 * S, serviceId: 'db', nodeId: 'x' })).toBe('x is the failed node');

      i = apply(i, [
        { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 31 * S, serviceId: 'db', nodeId: 'b' },
        { type: 'SERVICE_RUNNING', atMs: T0 + 40 * S, serviceId: 'db', nodeId: 'b' },
      ]);
      expect(i.services[0]).toMatchObject({
        state: P.RUNNING,
        targetNodeId: 'b',
        triedNodeIds: ['a', 'b'],
        attempts: 4,
        targetAttempts: 1,
        startedAtMs: T0 + 16 * S,
        recoveredAtMs: T0 + 40 * S,
        timeToRecoverMs: 40 * S, // from the last heartbeat
        rto: RtoOutcome.MET, // 40 s <= 60 s
        reason: null,
      });
    });

    it('a non-retryable error gives the target up at once; past the relocation budget the service FAILS', () => {
      const i = apply(recovering({ services: [rs('db', { maxRelocations: 0, recoveryTimeObjectiveSeconds: 60 })] }), [
        { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' },
        { type: 'SERVICE_START_FAILED', atMs: T0 + 17 * S, serviceId: 'db', nodeId: 'a', error: 'disk not found', retryable: false },
      ]);
      expect(i.services[0]).toMatchObject({ state: P.FAILED, rto: RtoOutcome.MISSED, reason: 'relocation budget spent (tried a, maxRelocations 0); last error on a: disk not found' });
      expect(i.state).toBe(IncidentState.FAILED);
    });

    it('no candidate: FAILED with the placement\'s reason', () => {
      const i = apply(recovering(), [{ type: 'SERVICE_NO_CANDIDATE', atMs: T0 + 16 * S, serviceId: 'db', reason: 'no candidate among 3 nodes: 3 without capacity' }]);
      expect(i.services[0]).toMatchObject({ state: P.FAILED, reason: 'no candidate among 3 nodes: 3 without capacity' });
      // a failed service settles its priority level: the next one starts
      expect(states(i)).toMatchObject({ web1: P.PLACING, web2: P.PLACING });
    });

    it('one owner: a service running on one node cannot be reported running on another', () => {
      const i = apply(recovering(), [
        { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' },
        { type: 'SERVICE_RUNNING', atMs: T0 + 20 * S, serviceId: 'db', nodeId: 'a' },
      ]);
      expect(refused(i, { type: 'SERVICE_RUNNING', atMs: T0 + 21 * S, serviceId: 'db', nodeId: 'b' })).toBe('db already runs on a');
      const starting = apply(recovering(), [{ type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' }]);
      expect(refused(starting, { type: 'SERVICE_RUNNING', atMs: T0 + 21 * S, serviceId: 'db', nodeId: 'b' })).toBe('db was started on a, not b: one owner at a time');
    });

    it('a start reported running while its retry waits (it came up late) counts as RUNNING', () => {
      const i = apply(recovering(), [
        { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' },
        { type: 'SERVICE_START_FAILED', atMs: T0 + 17 * S, serviceId: 'db', nodeId: 'a', error: 'timeout', retryable: true },
        { type: 'SERVICE_RUNNING', atMs: T0 + 18 * S, serviceId: 'db', nodeId: 'a' },
      ]);
      expect(i.services[0]?.state).toBe(P.RUNNING);
    });

    it('refuses unknown services', () => {
      expect(refused(recovering(), { type: 'SERVICE_RUNNING', atMs: T0, serviceId: 'nope', nodeId: 'a' })).toBe('service nope is not part of this incident');
    });

    it('RTO: missed when the time from the last heartbeat exceeds it; from detection when the last heartbeat is unknown', () => {
      const plan = planRecovery({ ...input, services: [rs('s', { recoveryTimeObjectiveSeconds: 30 })] });
      const run = (lastSeenAtMs: number | null, upAt: number) =>
        apply(openIncident({ id: 'i', plan, lastSeenAtMs, detectedAtMs: T0 + 10 * S, declaredAtMs: T0 + 12 * S }), [
          begin,
          ipmiOk,
          { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 's', nodeId: 'a' },
          { type: 'SERVICE_RUNNING', atMs: upAt, serviceId: 's', nodeId: 'a' },
        ]).services[0];
      expect(run(T0, T0 + 30 * S)).toMatchObject({ timeToRecoverMs: 30 * S, rto: RtoOutcome.MET });
      expect(run(T0, T0 + 30 * S + 1)).toMatchObject({ timeToRecoverMs: 30 * S + 1, rto: RtoOutcome.MISSED });
      expect(run(null, T0 + 30 * S + 1)).toMatchObject({ timeToRecoverMs: 20 * S + 1, rto: RtoOutcome.MET });
    });
  });

  describe('closing', () => {
    const startAll = (i: Incident, atS: number, fail: string[] = []): Incident => {
      let cur = i;
      for (let guard = 0; guard < 20 && servicesToPlace(cur).length > 0; guard++) {
        for (const s of servicesToPlace(cur)) {
          cur = fail.includes(s.serviceId)
            ? apply(cur, [{ type: 'SERVICE_NO_CANDIDATE', atMs: T0 + atS * S, serviceId: s.serviceId, reason: 'none' }])
            : apply(cur, [
                { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + atS * S, serviceId: s.serviceId, nodeId: 'a' },
                { type: 'SERVICE_RUNNING', atMs: T0 + atS * S, serviceId: s.serviceId, nodeId: 'a' },
              ]);
        }
      }
      return cur;
    };

    it('RECOVERED when every service not skipped runs', () => {
      const i = startAll(recovering(), 30);
      expect(i).toMatchObject({ state: IncidentState.RECOVERED, reason: '4 running, 0 failed, 1 skipped' });
      expect(i.timings.closedAtMs).toBe(T0 + 30 * S);
    });

    it('PARTIALLY_RECOVERED when some failed and some run; FAILED when none runs', () => {
      expect(startAll(recovering(), 30, ['web2']).state).toBe(IncidentState.PARTIALLY_RECOVERED);
      expect(startAll(recovering(), 30, ['db', 'web1', 'web2', 'web3']).state).toBe(IncidentState.FAILED);
    });

    it('a node without services (or only DISABLE ones) is RECOVERED as soon as it is fenced', () => {
      expect(recovering({ services: [] })).toMatchObject({ state: IncidentState.RECOVERED, reason: '0 running, 0 failed, 0 skipped' });
      expect(recovering({ services: [rs('off', { recoveryAction: RecoveryAction.DISABLE })] }).state).toBe(IncidentState.RECOVERED);
    });

    it('an operator can cancel: unsettled services are FAILED with the reason', () => {
      const i = apply(recovering(), [
        { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' },
        { type: 'OPERATOR_CANCELLED', atMs: T0 + 17 * S, operator: 'alice', reason: 'wrong node' },
      ]);
      expect(i).toMatchObject({ state: IncidentState.CANCELLED, reason: 'cancelled by alice: wrong node' });
      expect(states(i)).toEqual({ db: P.FAILED, web1: P.FAILED, web2: P.FAILED, web3: P.FAILED, batch: P.SKIPPED });
      expect(applyIncidentEvent(i, { type: 'OPERATOR_CANCELLED', atMs: T0 + 18 * S, operator: 'alice', reason: 'again' })).toEqual({ ok: true, changed: false, incident: i });
      expect(refused(startAll(recovering(), 30), { type: 'OPERATOR_CANCELLED', atMs: T0, operator: 'a', reason: 'r' })).toBe('the incident is already RECOVERED');
    });

    it('a closed incident accepts replays as no-ops and refuses anything new', () => {
      const done = startAll(recovering(), 30);
      expect(applyIncidentEvent(done, { type: 'SERVICE_RUNNING', atMs: T0 + 31 * S, serviceId: 'db', nodeId: 'a' })).toEqual({ ok: true, changed: false, incident: done });
      expect(refused(done, { type: 'SERVICE_RUNNING', atMs: T0 + 31 * S, serviceId: 'db', nodeId: 'b' })).toBe('the incident is RECOVERED');
    });
  });

  it('bumps the revision on each change only (compare-and-set for concurrent workers)', () => {
    const i = recovering();
    expect(i.revision).toBe(2);
    expect(applyIncidentEvent(i, ipmiOk).incident.revision).toBe(2);
  });

  it('replaying every event twice (a crashed worker\'s job run again) ends in the same incident', () => {
    const events: IncidentEvent[] = [
      begin,
      ipmiOk,
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' },
      { type: 'SERVICE_START_FAILED', atMs: T0 + 17 * S, serviceId: 'db', nodeId: 'a', error: 'e', retryable: false },
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 18 * S, serviceId: 'db', nodeId: 'b' },
      { type: 'SERVICE_RUNNING', atMs: T0 + 19 * S, serviceId: 'db', nodeId: 'b' },
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 20 * S, serviceId: 'web1', nodeId: 'c' },
      { type: 'SERVICE_NO_CANDIDATE', atMs: T0 + 20 * S, serviceId: 'web2', reason: 'none' },
      { type: 'SERVICE_RUNNING', atMs: T0 + 21 * S, serviceId: 'web1', nodeId: 'c' },
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 22 * S, serviceId: 'web3', nodeId: 'a' },
      { type: 'SERVICE_RUNNING', atMs: T0 + 23 * S, serviceId: 'web3', nodeId: 'a' },
    ];
    const once = apply(open(), events);
    const twice = apply(open(), events.flatMap((e) => [e, e]));
    expect(twice).toEqual(once);
    expect(once.state).toBe(IncidentState.PARTIALLY_RECOVERED);
  });

  it('incidentReport gives the failover\'s figures', () => {
    const i = apply(recovering(), [
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 16 * S, serviceId: 'db', nodeId: 'a' },
      { type: 'SERVICE_RUNNING', atMs: T0 + 20 * S, serviceId: 'db', nodeId: 'a' },
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 21 * S, serviceId: 'web1', nodeId: 'b' },
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 21 * S, serviceId: 'web2', nodeId: 'c' },
      { type: 'SERVICE_RUNNING', atMs: T0 + 25 * S, serviceId: 'web1', nodeId: 'b' },
      { type: 'SERVICE_RUNNING', atMs: T0 + 26 * S, serviceId: 'web2', nodeId: 'c' },
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 26 * S, serviceId: 'web3', nodeId: 'a' },
      { type: 'SERVICE_RUNNING', atMs: T0 + 35 * S, serviceId: 'web3', nodeId: 'a' },
    ]);
    expect(i.state).toBe(IncidentState.RECOVERED);
    expect(incidentReport(i)).toEqual({
      detectionMs: 12 * S,
      fencingMs: 2 * S,
      maxTimeToRecoverMs: 35 * S,
      running: 4,
      failed: 0,
      skipped: 1,
      rtoMet: 1, // db: 20 s <= 60 s
      rtoMissed: 1, // web3: 35 s > 30 s
    });
  });
});
