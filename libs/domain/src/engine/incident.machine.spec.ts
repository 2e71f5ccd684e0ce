import { applyIncidentEvent, fenceRetryDueAtMs } from './incident.machine';
import { AwaitingReason, FenceStepState, IncidentState, RtoOutcome } from './incident.types';
import { S, T0, open, apply, refused, states, P, begin, ipmiOk, recovering } from './incident.machine.fixtures';

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

});
