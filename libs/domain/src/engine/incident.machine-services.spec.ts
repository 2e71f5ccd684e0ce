import { RecoveryAction } from '../enums';
import { applyIncidentEvent, dueRetries, incidentReport, openIncident, servicesToPlace } from './incident.machine';
import { Incident, IncidentEvent, IncidentState, RtoOutcome } from './incident.types';
import { planRecovery } from './recovery.planner';
import { S, T0, rs, input, open, apply, refused, states, P, begin, ipmiOk, recovering } from './incident.machine.fixtures';

describe('incident machine: services and closing', () => {
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
