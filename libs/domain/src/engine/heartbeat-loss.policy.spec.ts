import { NodeStatus } from '../enums';
import { lastHeard } from './heartbeat-loss.policy';
import { AgentChecks, initialNodeHealth, NodeAction, NodeHealthDecision, NodeHealthState, NodeObservation, nextNodeStatus, ProbeResult } from './node-health.machine';

const policy = { heartbeatIntervalSeconds: 1, deadtimeSeconds: 3 };
const S = 1000;
const T0 = 1_000_000 * S;
const ok: AgentChecks = { storageWriteOk: true, isolationAddressReachable: true, bootTimeMs: T0 - 3600 * S };

function obs(nowMs: number, o: Partial<NodeObservation> = {}): NodeObservation {
  return { nowMs, maintenance: false, lastHeartbeatAtMs: nowMs, checks: ok, probe: null, checkAddressConfigured: false, checkAddress: null, fencedAtMs: null, ...o };
}
/** Observations of a node whose heartbeat record is gone, the cluster's record begun again at `since`. */
const lost = (nowMs: number, since: number, o: Partial<NodeObservation> = {}): NodeObservation => obs(nowMs, { lastHeartbeatAtMs: null, checks: null, heartbeatRecordSinceMs: since, ...o });
function run(state: NodeHealthState, observations: NodeObservation[]): NodeHealthDecision[] {
  const out: NodeHealthDecision[] = [];
  let s = state;
  for (const o of observations) {
    const d = nextNodeStatus(s, o, policy);
    out.push(d);
    s = d.state;
  }
  return out;
}
const brief = (d: NodeHealthDecision) => [d.status, d.suspect, d.action];

describe('lastHeard (after a loss of the heartbeat records)', () => {
  it('a received heartbeat is the last one heard', () => {
    expect(lastHeard({ status: NodeStatus.OFFLINE, lastHeartbeatAtMs: null }, { lastHeartbeatAtMs: T0 })).toEqual({ atMs: T0, assumed: false });
  });

  it('a node heard from (ONLINE in the database or the detector) whose record is gone counts as heard from when the loss was noticed', () => {
    expect(lastHeard({ status: NodeStatus.ONLINE, lastHeartbeatAtMs: null }, { lastHeartbeatAtMs: null, heartbeatRecordSinceMs: T0 })).toEqual({ atMs: T0, assumed: true });
    // the detector remembers a later heartbeat than the record's new start: that one
    expect(lastHeard({ status: NodeStatus.UNSTABLE, lastHeartbeatAtMs: T0 + S }, { lastHeartbeatAtMs: null, heartbeatRecordSinceMs: T0 })).toEqual({ atMs: T0 + S, assumed: true });
    // no marker known: the last heartbeat remembered
    expect(lastHeard({ status: NodeStatus.EXCLUDED, lastHeartbeatAtMs: T0 }, { lastHeartbeatAtMs: null })).toEqual({ atMs: T0, assumed: true });
  });

  it('a node that was not being heard from stays never heard from', () => {
    for (const status of [NodeStatus.OFFLINE, NodeStatus.FENCED, NodeStatus.MAINTENANCE, NodeStatus.FAILED]) {
      expect(lastHeard({ status, lastHeartbeatAtMs: T0 - 10 * S }, { lastHeartbeatAtMs: null, heartbeatRecordSinceMs: T0 })).toEqual({ atMs: null, assumed: false });
    }
    expect(lastHeard({ status: NodeStatus.ONLINE, lastHeartbeatAtMs: null }, { lastHeartbeatAtMs: null, heartbeatRecordSinceMs: null })).toEqual({ atMs: null, assumed: false });
  });
});

describe('node health machine after a loss of the heartbeat records', () => {
  it('a node ONLINE in the database, whose record vanished and which then went down, is suspected after the deadtime, probed and declared FAILED', () => {
    // the detector's own state went with Redis too: it starts again from the database's ONLINE
    const ds = run(initialNodeHealth(T0, NodeStatus.ONLINE), [
      lost(T0, T0),
      lost(T0 + 3 * S, T0),
      lost(T0 + 3 * S + 500, T0),
      lost(T0 + 4 * S, T0, { probe: { atMs: T0 + 3 * S + 600, result: ProbeResult.UNREACHABLE } }),
    ]);
    expect(ds.map(brief)).toEqual([
      [NodeStatus.ONLINE, false, NodeAction.NONE],
      [NodeStatus.ONLINE, false, NodeAction.NONE],
      [NodeStatus.ONLINE, true, NodeAction.PROBE],
      [NodeStatus.FAILED, false, NodeAction.DECLARE_FAILURE],
    ]);
    expect(ds[0]?.reason).toBe('heartbeat record lost 0 s ago: counted as heard from then, waiting for its next heartbeat');
    expect(ds[2]?.reason).toBe('no heartbeat since its heartbeat record was lost 4 s ago: suspect, asking the second channel');
    expect(ds[3]?.reason).toBe('no heartbeat since its heartbeat record was lost 4 s ago, the hypervisor manager cannot reach the host');
    // the incident's epoch (idempotency key) is the loss, the same for every detector that declares it
    expect(ds[3]?.state.lastHeartbeatAtMs).toBe(T0);
  });

  it('before the fix this was "never heard from": without the record marker it still is (OFFLINE, never declared)', () => {
    const d = nextNodeStatus(initialNodeHealth(T0, NodeStatus.ONLINE), obs(T0 + 60 * S, { lastHeartbeatAtMs: null, checks: null }), policy);
    expect(d).toMatchObject({ status: NodeStatus.OFFLINE, action: NodeAction.NONE, reason: 'no heartbeat received yet' });
  });

  it('a node that is alive beats again within the deadtime: ONLINE, no flap counted for the assumed time', () => {
    const ds = run(initialNodeHealth(T0, NodeStatus.ONLINE), [lost(T0 + S, T0), obs(T0 + 2 * S), obs(T0 + 3 * S)]);
    expect(ds.map(brief)).toEqual([
      [NodeStatus.ONLINE, false, NodeAction.NONE],
      [NodeStatus.ONLINE, false, NodeAction.NONE],
      [NodeStatus.ONLINE, false, NodeAction.NONE],
    ]);
    expect(ds[2]?.reason).toBe('heartbeats on time, checks pass');
    expect(ds[2]?.state.flapsAtMs).toEqual([]);
  });

  it('a node the manager still reaches (agent silent) is EXCLUDED, not failed', () => {
    const d = run(initialNodeHealth(T0, NodeStatus.ONLINE), [lost(T0 + 4 * S, T0), lost(T0 + 5 * S, T0, { probe: { atMs: T0 + 4 * S, result: ProbeResult.REACHABLE } })]);
    expect(d.map(brief)).toEqual([
      [NodeStatus.ONLINE, true, NodeAction.PROBE],
      [NodeStatus.EXCLUDED, false, NodeAction.NONE],
    ]);
  });

  it('a fenced node does not rejoin on an assumed heartbeat: only a received one after the fence rejoins it', () => {
    const fenced = nextNodeStatus(initialNodeHealth(T0, NodeStatus.FENCED), lost(T0 + S, T0 + S, { fencedAtMs: T0 - 10 * S }), policy);
    expect(brief(fenced)).toEqual([NodeStatus.FENCED, false, NodeAction.NONE]);
  });
});

describe('node health machine: a fence and the rejoin between two evaluations', () => {
  it('a declared node fenced after its declaration and heard from since rejoins, even though no evaluation saw it FENCED', () => {
    const online = nextNodeStatus(initialNodeHealth(T0 - 60 * S), obs(T0), policy).state;
    const failed = nextNodeStatus(online, obs(T0 + 5 * S, { lastHeartbeatAtMs: T0, probe: { atMs: T0 + 4 * S, result: ProbeResult.UNREACHABLE } }), policy);
    expect(brief(failed)).toEqual([NodeStatus.FAILED, false, NodeAction.DECLARE_FAILURE]);
    // fenced at +8 s, back and beating at +20 s: the detector's next look
    const back = nextNodeStatus(failed.state, obs(T0 + 20 * S, { fencedAtMs: T0 + 8 * S }), policy);
    expect(back).toMatchObject({ status: NodeStatus.ONLINE, action: NodeAction.CLEAR });
    expect(back.state.declared).toBe(false);
    expect(back.state.graceUntilMs).toBe(T0 + 80 * S);
    // and its next crash, after the grace period, is declared again
    const beat = { lastHeartbeatAtMs: T0 + 85 * S, fencedAtMs: T0 + 8 * S };
    const again = run(back.state, [obs(T0 + 85 * S, beat), obs(T0 + 90 * S, beat), obs(T0 + 91 * S, { ...beat, probe: { atMs: T0 + 90 * S, result: ProbeResult.UNREACHABLE } })]);
    expect(again.map(brief)).toEqual([
      [NodeStatus.ONLINE, false, NodeAction.NONE],
      [NodeStatus.ONLINE, true, NodeAction.PROBE],
      [NodeStatus.FAILED, false, NodeAction.DECLARE_FAILURE],
    ]);
  });

  it('a fence from before the declaration does not end it (a new failure after a rejoin stays declared)', () => {
    const online = nextNodeStatus(initialNodeHealth(T0 - 60 * S), obs(T0), policy).state;
    const failed = nextNodeStatus(online, obs(T0 + 5 * S, { lastHeartbeatAtMs: T0, fencedAtMs: T0 - 30 * S, probe: { atMs: T0 + 4 * S, result: ProbeResult.UNREACHABLE } }), policy);
    const later = nextNodeStatus(failed.state, obs(T0 + 20 * S, { fencedAtMs: T0 - 30 * S }), policy);
    expect(brief(later)).toEqual([NodeStatus.FAILED, false, NodeAction.NONE]);
  });
});
