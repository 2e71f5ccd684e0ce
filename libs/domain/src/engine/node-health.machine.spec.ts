import { NodeStatus } from '../enums';
import { DEFAULT_DETECTION_SETTINGS } from './engine.settings';
import {
  AgentChecks,
  evaluateClusterHealth,
  initialNodeHealth,
  NodeAction,
  NodeHealthDecision,
  NodeHealthState,
  NodeObservation,
  nextNodeStatus,
  ProbeResult,
} from './node-health.machine';

const policy = { heartbeatIntervalSeconds: 1, deadtimeSeconds: 10 };
const S = 1000;
const T0 = 1_000_000 * S;
const BOOT = T0 - 3600 * S;
const ok: AgentChecks = { storageWriteOk: true, isolationAddressReachable: true, bootTimeMs: BOOT };

function obs(nowMs: number, o: Partial<NodeObservation> = {}): NodeObservation {
  return { nowMs, maintenance: false, lastHeartbeatAtMs: nowMs, checks: ok, probe: null, checkAddressConfigured: false, checkAddress: null, fencedAtMs: null, ...o };
}

/** A node that has been ONLINE since before T0, with its last heartbeat at `lastHb`. */
function online(lastHb = T0): NodeHealthState {
  return nextNodeStatus(initialNodeHealth(lastHb - 60 * S), obs(lastHb), policy).state;
}

/** Runs observations in turn, returning every decision. */
function run(state: NodeHealthState, observations: NodeObservation[], quorate = true): NodeHealthDecision[] {
  const out: NodeHealthDecision[] = [];
  let s = state;
  for (const o of observations) {
    const d = nextNodeStatus(s, o, policy, { quorate });
    out.push(d);
    s = d.state;
  }
  return out;
}
const last = <T,>(xs: T[]): T => xs[xs.length - 1] as T;
const brief = (d: NodeHealthDecision) => [d.status, d.suspect, d.action];

describe('node health machine', () => {
  it('has the documented detection defaults', () => {
    expect(DEFAULT_DETECTION_SETTINGS).toEqual({
      bootGraceSeconds: 60,
      flapThreshold: 3,
      flapWindowDeadtimes: 6,
      flapMaxOutageSeconds: 15,
      outageAfterMissedHeartbeats: 2,
      reprobeSeconds: 5,
    });
  });

  describe('joining', () => {
    it('never heard from: OFFLINE', () => {
      const d = nextNodeStatus(initialNodeHealth(T0), obs(T0, { lastHeartbeatAtMs: null, checks: null }), policy);
      expect(d).toMatchObject({ status: NodeStatus.OFFLINE, suspect: false, action: NodeAction.NONE, reason: 'no heartbeat received yet', changed: false });
    });

    it('the first heartbeat brings it ONLINE, with no grace (nothing to compare its boot time with)', () => {
      const d = nextNodeStatus(initialNodeHealth(T0 - S), obs(T0), policy);
      expect(d).toMatchObject({ status: NodeStatus.ONLINE, action: NodeAction.NONE, changed: true, reason: 'heartbeats on time, checks pass' });
      expect(d.state).toEqual({
        status: NodeStatus.ONLINE,
        suspect: false,
        statusSinceMs: T0,
        declared: false,
        lastHeartbeatAtMs: T0,
        bootTimeMs: BOOT,
        graceUntilMs: null,
        flapsAtMs: [],
      });
    });
  });

  describe('missing heartbeats and the second channel', () => {
    it('stays ONLINE up to the deadtime, then turns suspect and asks for a probe', () => {
      const [at, after] = run(online(), [obs(T0 + 10 * S, { lastHeartbeatAtMs: T0 }), obs(T0 + 10 * S + 1, { lastHeartbeatAtMs: T0 })]);
      expect(brief(at as NodeHealthDecision)).toEqual([NodeStatus.ONLINE, false, NodeAction.NONE]);
      expect(after).toMatchObject({ status: NodeStatus.ONLINE, suspect: true, action: NodeAction.PROBE, changed: true, reason: 'no heartbeat for 10 s: suspect, asking the second channel' });
    });

    it('FAILED only when the probe, taken after the node went suspect, says the host is unreachable', () => {
      const hb = { lastHeartbeatAtMs: T0 };
      const ds = run(online(), [
        obs(T0 + 11 * S, hb),
        // a probe from before the suspicion (T0 + 10 s) is no answer
        obs(T0 + 12 * S, { ...hb, probe: { atMs: T0 + 9 * S, result: ProbeResult.UNREACHABLE } }),
        obs(T0 + 13 * S, { ...hb, probe: { atMs: T0 + 12 * S, result: ProbeResult.UNREACHABLE } }),
        obs(T0 + 14 * S, { ...hb, probe: { atMs: T0 + 12 * S, result: ProbeResult.UNREACHABLE } }),
      ]);
      expect(ds.map(brief)).toEqual([
        [NodeStatus.ONLINE, true, NodeAction.PROBE],
        [NodeStatus.ONLINE, true, NodeAction.PROBE],
        [NodeStatus.FAILED, false, NodeAction.DECLARE_FAILURE],
        [NodeStatus.FAILED, false, NodeAction.NONE],
      ]);
      expect(ds[2]?.reason).toBe('no heartbeat for 13 s, the hypervisor manager cannot reach the host');
      expect(ds[2]?.state.declared).toBe(true);
      expect(ds[3]?.reason).toBe('failure declared (FAILED): stays until the node is fenced or reboots');
    });

    it('EXCLUDED (no relocation) when the hypervisor manager still reaches the host; probed again every reprobe interval; FAILED once it no longer does', () => {
      const hb = { lastHeartbeatAtMs: T0 };
      const reachable = { atMs: T0 + 11 * S, result: ProbeResult.REACHABLE };
      const ds = run(online(), [
        obs(T0 + 12 * S, { ...hb, probe: reachable }),
        obs(T0 + 16 * S, { ...hb, probe: reachable }),
        obs(T0 + 17 * S, { ...hb, probe: { atMs: T0 + 17 * S, result: ProbeResult.UNREACHABLE } }),
      ]);
      expect(ds.map(brief)).toEqual([
        [NodeStatus.EXCLUDED, false, NodeAction.NONE],
        [NodeStatus.EXCLUDED, false, NodeAction.PROBE],
        [NodeStatus.FAILED, false, NodeAction.DECLARE_FAILURE],
      ]);
      expect(ds[0]?.reason).toBe('no heartbeat for 12 s, but the hypervisor manager still reaches the host: excluded, no relocation');
    });

    it('with a check address: waits for its answer too; it answering means EXCLUDED, silence means FAILED', () => {
      const hb = { lastHeartbeatAtMs: T0, checkAddressConfigured: true };
      const down = { atMs: T0 + 11 * S, result: ProbeResult.UNREACHABLE };
      const waiting = nextNodeStatus(online(), obs(T0 + 12 * S, { ...hb, probe: down }), policy);
      expect(brief(waiting)).toEqual([NodeStatus.ONLINE, true, NodeAction.PROBE]);

      const answers = nextNodeStatus(online(), obs(T0 + 12 * S, { ...hb, probe: down, checkAddress: { atMs: T0 + 11 * S, answers: true } }), policy);
      expect(answers).toMatchObject({ status: NodeStatus.EXCLUDED, action: NodeAction.NONE, reason: 'no heartbeat for 12 s, but its check address answers: excluded, no relocation' });

      const silent = nextNodeStatus(online(), obs(T0 + 12 * S, { ...hb, probe: down, checkAddress: { atMs: T0 + 11 * S, answers: false } }), policy);
      expect(silent).toMatchObject({
        status: NodeStatus.FAILED,
        action: NodeAction.DECLARE_FAILURE,
        reason: 'no heartbeat for 12 s, the hypervisor manager cannot reach the host and its check address is silent',
      });
    });

    it('a check address that answers wins over a probe that says unreachable (any sign of life: no relocation)', () => {
      const d = nextNodeStatus(
        online(),
        obs(T0 + 12 * S, { lastHeartbeatAtMs: T0, checkAddressConfigured: true, probe: { atMs: T0 + 11 * S, result: ProbeResult.UNREACHABLE }, checkAddress: { atMs: T0 + 11 * S, answers: true } }),
        policy,
      );
      expect(d.status).toBe(NodeStatus.EXCLUDED);
    });

    it('an inconclusive probe keeps it suspect, asking again after the reprobe interval', () => {
      const hb = { lastHeartbeatAtMs: T0 };
      const inconclusive = { atMs: T0 + 11 * S, result: ProbeResult.INCONCLUSIVE };
      const ds = run(online(), [obs(T0 + 12 * S, { ...hb, probe: inconclusive }), obs(T0 + 16 * S, { ...hb, probe: inconclusive })]);
      expect(ds.map(brief)).toEqual([
        [NodeStatus.ONLINE, true, NodeAction.NONE],
        [NodeStatus.ONLINE, true, NodeAction.PROBE],
      ]);
      expect(ds[0]?.reason).toBe('no heartbeat for 12 s: suspect, the probe was inconclusive');
    });

    it('heartbeats resuming clear a suspect or EXCLUDED node', () => {
      const suspect = nextNodeStatus(online(), obs(T0 + 11 * S, { lastHeartbeatAtMs: T0 }), policy).state;
      expect(nextNodeStatus(suspect, obs(T0 + 12 * S), policy)).toMatchObject({ status: NodeStatus.ONLINE, suspect: false, action: NodeAction.CLEAR, changed: true });
      const excluded = nextNodeStatus(online(), obs(T0 + 12 * S, { lastHeartbeatAtMs: T0, probe: { atMs: T0 + 11 * S, result: ProbeResult.REACHABLE } }), policy).state;
      expect(nextNodeStatus(excluded, obs(T0 + 13 * S), policy)).toMatchObject({ status: NodeStatus.ONLINE, action: NodeAction.CLEAR });
    });

    it('a declared FAILED node that comes back without rebooting stays FAILED (unclean until fenced)', () => {
      const failed = nextNodeStatus(online(), obs(T0 + 12 * S, { lastHeartbeatAtMs: T0, probe: { atMs: T0 + 11 * S, result: ProbeResult.UNREACHABLE } }), policy).state;
      const back = nextNodeStatus(failed, obs(T0 + 20 * S), policy);
      expect(brief(back)).toEqual([NodeStatus.FAILED, false, NodeAction.NONE]);
    });

    it('a declared FAILED node that reports a newer boot time is clean again: ONLINE with a grace period', () => {
      const failed = nextNodeStatus(online(), obs(T0 + 12 * S, { lastHeartbeatAtMs: T0, probe: { atMs: T0 + 11 * S, result: ProbeResult.UNREACHABLE } }), policy).state;
      const back = nextNodeStatus(failed, obs(T0 + 90 * S, { checks: { ...ok, bootTimeMs: T0 + 60 * S } }), policy);
      expect(back).toMatchObject({ status: NodeStatus.ONLINE, action: NodeAction.CLEAR });
      expect(back.state).toMatchObject({ declared: false, bootTimeMs: T0 + 60 * S, graceUntilMs: T0 + 150 * S });
    });
  });

  describe('isolation (the agent\'s own checks)', () => {
    it('isolation address unreachable: NETWORK_ISOLATED, declared', () => {
      const d = nextNodeStatus(online(), obs(T0 + S, { checks: { ...ok, isolationAddressReachable: false } }), policy);
      expect(d).toMatchObject({ status: NodeStatus.NETWORK_ISOLATED, action: NodeAction.DECLARE_FAILURE, reason: 'the agent cannot reach the isolation address' });
    });

    it('shared storage write failed: STORAGE_ISOLATED, declared', () => {
      const d = nextNodeStatus(online(), obs(T0 + S, { checks: { ...ok, storageWriteOk: false } }), policy);
      expect(d).toMatchObject({ status: NodeStatus.STORAGE_ISOLATED, action: NodeAction.DECLARE_FAILURE, reason: 'the agent cannot write to the shared storage' });
    });

    it('both failing: NETWORK_ISOLATED (network storage rides that network)', () => {
      const d = nextNodeStatus(online(), obs(T0 + S, { checks: { ...ok, storageWriteOk: false, isolationAddressReachable: false } }), policy);
      expect(d.status).toBe(NodeStatus.NETWORK_ISOLATED);
    });

    it('declared isolation sticks when the checks recover, until a reboot', () => {
      const isolated = nextNodeStatus(online(), obs(T0 + S, { checks: { ...ok, storageWriteOk: false } }), policy).state;
      expect(brief(nextNodeStatus(isolated, obs(T0 + 2 * S), policy))).toEqual([NodeStatus.STORAGE_ISOLATED, false, NodeAction.NONE]);
      expect(brief(nextNodeStatus(isolated, obs(T0 + 200 * S, { checks: { ...ok, bootTimeMs: T0 + 150 * S } }), policy))).toEqual([NodeStatus.ONLINE, false, NodeAction.CLEAR]);
    });
  });

  describe('grace period after a reboot', () => {
    const rebooted = (): NodeHealthState => nextNodeStatus(online(), obs(T0 + 5 * S, { checks: { ...ok, bootTimeMs: T0 + 2 * S } }), policy).state;

    it('starts at the first heartbeat with a newer boot time', () => {
      expect(rebooted().graceUntilMs).toBe(T0 + 65 * S);
    });

    it('an isolation within the grace is shown but not declared; it is declared when the grace ends', () => {
      const storageDown = { checks: { ...ok, bootTimeMs: T0 + 2 * S, storageWriteOk: false } };
      const ds = run(rebooted(), [obs(T0 + 64 * S, storageDown), obs(T0 + 65 * S, storageDown)]);
      expect(ds.map(brief)).toEqual([
        [NodeStatus.STORAGE_ISOLATED, false, NodeAction.NONE],
        [NodeStatus.STORAGE_ISOLATED, false, NodeAction.DECLARE_FAILURE],
      ]);
      expect(ds[0]?.reason).toBe('the agent cannot write to the shared storage; within the boot grace period: not declared');
    });

    it('missing heartbeats within the grace are suspect but not probed or declared', () => {
      const d = nextNodeStatus(rebooted(), obs(T0 + 30 * S, { lastHeartbeatAtMs: T0 + 5 * S, probe: { atMs: T0 + 29 * S, result: ProbeResult.UNREACHABLE } }), policy);
      expect(d).toMatchObject({ status: NodeStatus.ONLINE, suspect: true, action: NodeAction.NONE, reason: 'no heartbeat for 25 s; within the grace period: not declared' });
    });
  });

  describe('flapping: UNSTABLE', () => {
    /** Heartbeats every second from T0 + 1 s to the last silence's end; each silence of `gapS` seconds ends at one of `ends`. */
    function flap(ends: number[], gapS: number): NodeObservation[] {
      const out: NodeObservation[] = [];
      for (let t = T0 + S; t <= (ends[ends.length - 1] as number); t += S) {
        if (ends.some((end) => t > end - gapS * S && t < end)) continue;
        out.push(obs(t));
      }
      return out;
    }
    const at = (ds: NodeHealthDecision[], t: number) => ds.find((d) => d.state.lastHeartbeatAtMs === t) as NodeHealthDecision;

    it('three outages shorter than 15 s within six deadtimes: UNSTABLE, no relocation', () => {
      const ds = run(online(), flap([T0 + 10 * S, T0 + 20 * S, T0 + 30 * S], 5));
      expect([T0 + 10 * S, T0 + 20 * S, T0 + 25 * S, T0 + 30 * S].map((t) => at(ds, t).status)).toEqual([NodeStatus.ONLINE, NodeStatus.ONLINE, NodeStatus.ONLINE, NodeStatus.UNSTABLE]);
      expect(ds.filter((d) => d.status === NodeStatus.UNSTABLE)).toHaveLength(1);
      expect(last(ds)).toMatchObject({ action: NodeAction.NONE, reason: '3 short outages in the last 60 s: unstable, no relocation' });
      expect(last(ds).state.flapsAtMs).toEqual([T0 + 10 * S, T0 + 20 * S, T0 + 30 * S]);
    });

    it('silences of two intervals or less are not outages; silences of 15 s or more are not flaps', () => {
      expect(last(run(online(), flap([T0 + 10 * S, T0 + 20 * S, T0 + 30 * S], 2))).status).toBe(NodeStatus.ONLINE);
      expect(last(run(online(), flap([T0 + 20 * S, T0 + 40 * S, T0 + 60 * S], 15))).status).toBe(NodeStatus.ONLINE);
    });

    it('outages spread beyond the window do not add up', () => {
      expect(last(run(online(), flap([T0 + 10 * S, T0 + 45 * S, T0 + 80 * S], 5))).status).toBe(NodeStatus.ONLINE);
    });

    it('stays UNSTABLE while any flap is in the window, then clears', () => {
      const unstable = last(run(online(), flap([T0 + 10 * S, T0 + 20 * S, T0 + 30 * S], 5))).state;
      expect(nextNodeStatus(unstable, obs(T0 + 69 * S), policy).status).toBe(NodeStatus.UNSTABLE);
      expect(nextNodeStatus(unstable, obs(T0 + 90 * S), policy)).toMatchObject({ status: NodeStatus.ONLINE, action: NodeAction.CLEAR });
    });

    it('an UNSTABLE node is declared FAILED only after a silence longer than any flap', () => {
      const unstable = last(run(online(), flap([T0 + 10 * S, T0 + 20 * S, T0 + 30 * S], 5))).state;
      const hb = { lastHeartbeatAtMs: T0 + 30 * S };
      const short = nextNodeStatus(unstable, obs(T0 + 42 * S, { ...hb, probe: { atMs: T0 + 41 * S, result: ProbeResult.UNREACHABLE } }), policy);
      expect(short).toMatchObject({ status: NodeStatus.UNSTABLE, suspect: true, action: NodeAction.NONE, reason: 'no heartbeat for 12 s; unstable: waiting for a silence longer than any flap (15 s)' });
      // the probe must postdate last heartbeat + 15 s
      const stale = nextNodeStatus(unstable, obs(T0 + 46 * S, { ...hb, probe: { atMs: T0 + 44 * S, result: ProbeResult.UNREACHABLE } }), policy);
      expect(brief(stale)).toEqual([NodeStatus.UNSTABLE, true, NodeAction.PROBE]);
      const dead = nextNodeStatus(unstable, obs(T0 + 47 * S, { ...hb, probe: { atMs: T0 + 46 * S, result: ProbeResult.UNREACHABLE } }), policy);
      expect(brief(dead)).toEqual([NodeStatus.FAILED, false, NodeAction.DECLARE_FAILURE]);
    });
  });

  describe('maintenance', () => {
    it('MAINTENANCE while the flag is on, whatever the heartbeats say', () => {
      const d = nextNodeStatus(online(), obs(T0 + 100 * S, { maintenance: true, lastHeartbeatAtMs: T0 }), policy);
      expect(d).toMatchObject({ status: NodeStatus.MAINTENANCE, suspect: false, action: NodeAction.NONE, reason: 'maintenance on: no detection, no recovery' });
    });

    it('the operator taking over drops a declared failure', () => {
      const isolated = nextNodeStatus(online(), obs(T0 + S, { checks: { ...ok, storageWriteOk: false } }), policy).state;
      expect(nextNodeStatus(isolated, obs(T0 + 2 * S, { maintenance: true }), policy).state.declared).toBe(false);
    });

    it('leaving maintenance: ONLINE if heartbeats are on time; otherwise a grace period before any declaration', () => {
      const maint = nextNodeStatus(online(), obs(T0 + S, { maintenance: true }), policy).state;
      expect(nextNodeStatus(maint, obs(T0 + 2 * S), policy)).toMatchObject({ status: NodeStatus.ONLINE, action: NodeAction.NONE });
      const silent = nextNodeStatus(maint, obs(T0 + 300 * S, { lastHeartbeatAtMs: T0 + S, probe: { atMs: T0 + 299 * S, result: ProbeResult.UNREACHABLE } }), policy);
      expect(silent).toMatchObject({ status: NodeStatus.OFFLINE, suspect: true, action: NodeAction.NONE });
      expect(silent.state.graceUntilMs).toBe(T0 + 360 * S);
    });
  });

  describe('fencing', () => {
    it('FENCED after a successful fence until it rejoins; the rejoin clears it, with a grace period', () => {
      const failed = nextNodeStatus(online(), obs(T0 + 12 * S, { lastHeartbeatAtMs: T0, probe: { atMs: T0 + 11 * S, result: ProbeResult.UNREACHABLE } }), policy).state;
      const fenced = nextNodeStatus(failed, obs(T0 + 20 * S, { lastHeartbeatAtMs: T0, fencedAtMs: T0 + 15 * S }), policy);
      expect(fenced).toMatchObject({ status: NodeStatus.FENCED, action: NodeAction.NONE, reason: 'fenced: waiting for the node to rejoin' });
      expect(fenced.state.declared).toBe(false);
      // silence while fenced is expected: no suspicion, no probe
      expect(brief(nextNodeStatus(fenced.state, obs(T0 + 500 * S, { lastHeartbeatAtMs: T0, fencedAtMs: T0 + 15 * S }), policy))).toEqual([NodeStatus.FENCED, false, NodeAction.NONE]);
      const back = nextNodeStatus(fenced.state, obs(T0 + 200 * S, { fencedAtMs: T0 + 15 * S, checks: { ...ok, bootTimeMs: T0 + 150 * S } }), policy);
      expect(back).toMatchObject({ status: NodeStatus.ONLINE, action: NodeAction.CLEAR });
      expect(back.state.graceUntilMs).toBe(T0 + 260 * S);
    });
  });

  describe('quorum', () => {
    it('without quorum a failure is not declared: the node stays suspect', () => {
      const [d] = run(online(), [obs(T0 + 12 * S, { lastHeartbeatAtMs: T0, probe: { atMs: T0 + 11 * S, result: ProbeResult.UNREACHABLE } })], false);
      expect(d).toMatchObject({
        status: NodeStatus.ONLINE,
        suspect: true,
        action: NodeAction.NONE,
        reason: 'no heartbeat for 12 s, the hypervisor manager cannot reach the host; the cluster is not quorate: not declared, waiting for an operator',
      });
      expect(d?.state.declared).toBe(false);
    });

    it('without quorum an isolation is shown, not declared', () => {
      const [d] = run(online(), [obs(T0 + S, { checks: { ...ok, storageWriteOk: false } })], false);
      expect(brief(d as NodeHealthDecision)).toEqual([NodeStatus.STORAGE_ISOLATED, false, NodeAction.NONE]);
    });

    describe('evaluateClusterHealth', () => {
      const dead = (now: number): NodeObservation => obs(now, { lastHeartbeatAtMs: T0, probe: { atMs: now - S, result: ProbeResult.UNREACHABLE } });
      const cluster = (deadCount: number, total: number) =>
        Array.from({ length: total }, (_, i) => ({ nodeId: `n${i}`, state: online(), observation: i < deadCount ? dead(T0 + 12 * S) : obs(T0 + 12 * S) }));

      it('declares the failures that leave the cluster quorate', () => {
        const r = evaluateClusterHealth(cluster(2, 5), policy);
        expect(r.decisions.map((d) => [d.nodeId, d.status, d.action])).toEqual([
          ['n0', NodeStatus.FAILED, NodeAction.DECLARE_FAILURE],
          ['n1', NodeStatus.FAILED, NodeAction.DECLARE_FAILURE],
          ['n2', NodeStatus.ONLINE, NodeAction.NONE],
          ['n3', NodeStatus.ONLINE, NodeAction.NONE],
          ['n4', NodeStatus.ONLINE, NodeAction.NONE],
        ]);
        expect(r.quorum).toEqual({ totalNodes: 5, healthyNodes: 3, quorum: 3, quorate: true });
      });

      it('declares none when together they would take quorum away (all or nothing)', () => {
        const r = evaluateClusterHealth(cluster(3, 5), policy);
        expect(r.decisions.map((d) => [d.status, d.suspect, d.action])).toEqual([
          [NodeStatus.ONLINE, true, NodeAction.NONE],
          [NodeStatus.ONLINE, true, NodeAction.NONE],
          [NodeStatus.ONLINE, true, NodeAction.NONE],
          [NodeStatus.ONLINE, false, NodeAction.NONE],
          [NodeStatus.ONLINE, false, NodeAction.NONE],
        ]);
        expect(r.quorum).toEqual({ totalNodes: 5, healthyNodes: 2, quorum: 3, quorate: false });
      });

      it('passes detection settings through', () => {
        const r = evaluateClusterHealth([{ nodeId: 'n', state: online(), observation: obs(T0 + 12 * S, { lastHeartbeatAtMs: T0 }) }], { ...policy, deadtimeSeconds: 20 }, { reprobeSeconds: 1 });
        expect(r.decisions[0]?.suspect).toBe(false);
      });
    });
  });

  it('keeps statusSinceMs until the status changes', () => {
    const s = online(T0);
    expect(s.statusSinceMs).toBe(T0);
    const suspect = nextNodeStatus(s, obs(T0 + 11 * S, { lastHeartbeatAtMs: T0 }), policy).state;
    expect(suspect.statusSinceMs).toBe(T0);
    const failed = nextNodeStatus(suspect, obs(T0 + 13 * S, { lastHeartbeatAtMs: T0, probe: { atMs: T0 + 12 * S, result: ProbeResult.UNREACHABLE } }), policy).state;
    expect(failed.statusSinceMs).toBe(T0 + 13 * S);
  });
});
