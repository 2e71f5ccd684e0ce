import { ClusterPolicy } from '../cluster-policy';
import { NodeStatus } from '../enums';
import { DEFAULT_DETECTION_SETTINGS, DetectionSettings } from './engine.settings';
import { lastHeard } from './heartbeat-loss.policy';
import { quorumReport, QuorumReport } from './quorum.policy';

/** What the detector should do after an evaluation. */
export enum NodeAction {
  NONE = 'NONE',
  /** Ask the second channel: probe the host through its hypervisor manager and check its check address. */
  PROBE = 'PROBE',
  /** Open an incident (idempotently: one per failure episode). Emitted once per episode. */
  DECLARE_FAILURE = 'DECLARE_FAILURE',
  /** The node is healthy again: close its suspicion, its EXCLUDED/UNSTABLE episode, or its fenced state. */
  CLEAR = 'CLEAR',
}

/** The agent's own checks, sent with each heartbeat. */
export interface AgentChecks {
  /** It could write to the shared storage. */
  readonly storageWriteOk: boolean;
  /** It could reach the cluster's isolation address. */
  readonly isolationAddressReachable: boolean;
  /** When the host booted (a newer value than before means it rebooted). */
  readonly bootTimeMs: number;
}

export enum ProbeResult {
  /** The hypervisor manager reaches the host. */
  REACHABLE = 'REACHABLE',
  /** The hypervisor manager says the host is down or unreachable. */
  UNREACHABLE = 'UNREACHABLE',
  /** The probe itself failed (manager down, timeout): no opinion. */
  INCONCLUSIVE = 'INCONCLUSIVE',
}

/** One evaluation's inputs. Times are milliseconds on the control plane's clock. */
export interface NodeObservation {
  readonly nowMs: number;
  readonly maintenance: boolean;
  /** When the last heartbeat was received; null if none ever was, or its record is gone. */
  readonly lastHeartbeatAtMs: number | null;
  /**
   * When the cluster's heartbeat record began (after a loss of the records: when the loss was
   * noticed). A node heard from before whose record is missing counts as heard from then.
   */
  readonly heartbeatRecordSinceMs?: number | null;
  /** The checks reported with that heartbeat. */
  readonly checks: AgentChecks | null;
  /** The latest probe through the hypervisor manager; null if not probed yet. */
  readonly probe: { readonly atMs: number; readonly result: ProbeResult } | null;
  /** Whether the node has a check address (seed 001's verification IP). */
  readonly checkAddressConfigured: boolean;
  /** The latest check of that address; null if not checked yet. */
  readonly checkAddress: { readonly atMs: number; readonly answers: boolean } | null;
  /** The last successful fence of the node (from its incident); null if never fenced. */
  readonly fencedAtMs: number | null;
}

/** What the detector keeps per node between evaluations (plain data: it can live in Redis). */
export interface NodeHealthState {
  readonly status: NodeStatus;
  /** Heartbeats missing past the deadtime and not yet decided. Not a status: the node keeps its status meanwhile. */
  readonly suspect: boolean;
  readonly statusSinceMs: number;
  /** A failure was declared for the current episode: the node stays unclean until fenced or rebooted. */
  readonly declared: boolean;
  readonly lastHeartbeatAtMs: number | null;
  readonly bootTimeMs: number | null;
  /** No failure is declared before this time (after a reboot, a fence or maintenance). */
  readonly graceUntilMs: number | null;
  /** When recent short outages ended, within the flap window. */
  readonly flapsAtMs: readonly number[];
}

export interface NodeHealthDecision {
  readonly state: NodeHealthState;
  readonly status: NodeStatus;
  readonly suspect: boolean;
  readonly action: NodeAction;
  /** For the node's status reason and the cluster log. */
  readonly reason: string;
  /** Status or suspicion changed. */
  readonly changed: boolean;
}

export function initialNodeHealth(nowMs: number, status: NodeStatus = NodeStatus.OFFLINE): NodeHealthState {
  return { status, suspect: false, statusSinceMs: nowMs, declared: false, lastHeartbeatAtMs: null, bootTimeMs: null, graceUntilMs: null, flapsAtMs: [] };
}

const UNCLEAN: ReadonlySet<NodeStatus> = new Set([NodeStatus.FAILED, NodeStatus.NETWORK_ISOLATED, NodeStatus.STORAGE_ISOLATED]);
/** Leaving these for ONLINE closes an episode (action CLEAR). */
const TROUBLED: ReadonlySet<NodeStatus> = new Set([...UNCLEAN, NodeStatus.EXCLUDED, NodeStatus.UNSTABLE, NodeStatus.FENCED]);

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/**
 * The node health machine: one evaluation of one node. Rules, first match wins:
 *  1. maintenance on: MAINTENANCE (nothing is detected; a declared failure is dropped: the operator took over);
 *  2. fenced and not heard from since: FENCED; its first heartbeat after the fence rejoins it (with a grace period),
 *     also when the fence and that heartbeat came between two evaluations (FENCED never seen);
 *  3. a declared failure (FAILED, *_ISOLATED) sticks until the node is fenced or reports a newer boot time;
 *  4. never heard from: OFFLINE. A node that was heard from and whose heartbeat record was lost counts as
 *     heard from when the loss was noticed (heartbeat-loss.policy.ts), so rules 5 and 6 apply to it;
 *  5. heartbeats fresh (within the deadtime): the agent's checks decide NETWORK_ISOLATED (isolation address
 *     unreachable, whatever the storage says, as network storage rides that network) or STORAGE_ISOLATED,
 *     declared unless in grace or not quorate; otherwise UNSTABLE while it flaps, else ONLINE;
 *  6. heartbeats missing past the deadtime: suspect. The second channel decides: the check address answers or
 *     the hypervisor manager still reaches the host: EXCLUDED (no relocation); the manager cannot reach it and
 *     the check address (if any) is silent: FAILED, declared. No fresh answer yet: PROBE. In grace, or not
 *     quorate: nothing is declared. An UNSTABLE node needs a silence longer than any flap first.
 * Pure: the returned state goes back in with the next observation.
 */
// eslint-disable-next-line max-lines-per-function -- the node health rules of the comment above, in their order of precedence, one block each
export function nextNodeStatus(
  state: NodeHealthState,
  obs: NodeObservation,
  policy: Pick<ClusterPolicy, 'heartbeatIntervalSeconds' | 'deadtimeSeconds'>,
  options: { readonly settings?: Partial<DetectionSettings>; readonly quorate?: boolean } = {},
): NodeHealthDecision {
  const cfg: DetectionSettings = { ...DEFAULT_DETECTION_SETTINGS, ...options.settings };
  const quorate = options.quorate ?? true;
  const now = obs.nowMs;
  const deadMs = policy.deadtimeSeconds * 1000;
  const windowMs = cfg.flapWindowDeadtimes * deadMs;
  const flapMaxMs = cfg.flapMaxOutageSeconds * 1000;
  // more than N intervals and a half: N heartbeats missed, with half an interval for jitter
  const outageGapMs = (cfg.outageAfterMissedHeartbeats + 0.5) * policy.heartbeatIntervalSeconds * 1000;
  const graceMs = cfg.bootGraceSeconds * 1000;
  const reprobeMs = cfg.reprobeSeconds * 1000;

  // a received heartbeat (fences and rejoins go by these alone), and the one counted (after a record loss, assumed)
  const received = obs.lastHeartbeatAtMs;
  const heard = lastHeard(state, obs);
  const hb = heard.atMs;
  const prevHb = state.lastHeartbeatAtMs;
  const newHeartbeat = hb !== null && (prevHb === null || hb > prevHb);
  const rebooted = newHeartbeat && obs.checks !== null && state.bootTimeMs !== null && obs.checks.bootTimeMs > state.bootTimeMs;
  // a declared node fenced after its declaration and heard from since has rejoined, even if no
  // evaluation saw it FENCED in between (the detector was not leading, its store was down)
  const fencedSinceDeclared = state.declared && obs.fencedAtMs !== null && obs.fencedAtMs >= state.statusSinceMs;
  const rejoinedAfterFence =
    (state.status === NodeStatus.FENCED || fencedSinceDeclared) && received !== null && obs.fencedAtMs !== null && received > obs.fencedAtMs;
  const leftMaintenance = state.status === NodeStatus.MAINTENANCE && !obs.maintenance;

  let flaps = state.flapsAtMs.filter((t) => now - t < windowMs);
  if (newHeartbeat && !heard.assumed && prevHb !== null && hb !== null && !rebooted && !state.declared && state.status !== NodeStatus.MAINTENANCE) {
    const gap = hb - prevHb;
    if (gap > outageGapMs && gap < flapMaxMs) flaps = [...flaps, hb];
  }
  let graceUntil = state.graceUntilMs;
  if (rebooted || rejoinedAfterFence || leftMaintenance) graceUntil = now + graceMs;
  const inGrace = graceUntil !== null && now < graceUntil;

  const carried = {
    lastHeartbeatAtMs: newHeartbeat ? hb : prevHb,
    bootTimeMs: newHeartbeat && obs.checks !== null ? obs.checks.bootTimeMs : state.bootTimeMs,
    graceUntilMs: graceUntil,
    flapsAtMs: flaps,
  };
  const decide = (status: NodeStatus, suspect: boolean, action: NodeAction, reason: string, declared: boolean): NodeHealthDecision => {
    const next: NodeHealthState = { ...carried, status, suspect, declared, statusSinceMs: status === state.status ? state.statusSinceMs : now };
    return { state: next, status, suspect, action, reason, changed: status !== state.status || suspect !== state.suspect };
  };

  // 1
  if (obs.maintenance) return decide(NodeStatus.MAINTENANCE, false, NodeAction.NONE, 'maintenance on: no detection, no recovery', false);
  // 2
  if (obs.fencedAtMs !== null && (received === null || received <= obs.fencedAtMs)) {
    return decide(NodeStatus.FENCED, false, NodeAction.NONE, 'fenced: waiting for the node to rejoin', false);
  }
  // 3
  if (state.declared && UNCLEAN.has(state.status) && !rebooted && !rejoinedAfterFence) {
    return decide(state.status, false, NodeAction.NONE, `failure declared (${state.status}): stays until the node is fenced or reboots`, true);
  }
  // 4
  if (hb === null) return decide(NodeStatus.OFFLINE, false, NodeAction.NONE, 'no heartbeat received yet', false);

  const silenceMs = now - hb;
  // 5
  if (silenceMs <= deadMs) {
    const checks = obs.checks;
    const isolation =
      checks === null ? null : !checks.isolationAddressReachable ? NodeStatus.NETWORK_ISOLATED : !checks.storageWriteOk ? NodeStatus.STORAGE_ISOLATED : null;
    if (isolation !== null) {
      const what = isolation === NodeStatus.NETWORK_ISOLATED ? 'the agent cannot reach the isolation address' : 'the agent cannot write to the shared storage';
      if (inGrace) return decide(isolation, false, NodeAction.NONE, `${what}; within the boot grace period: not declared`, false);
      if (!quorate) return decide(isolation, false, NodeAction.NONE, `${what}; the cluster is not quorate: not declared, waiting for an operator`, false);
      return decide(isolation, false, NodeAction.DECLARE_FAILURE, what, true);
    }
    if (flaps.length >= cfg.flapThreshold || (state.status === NodeStatus.UNSTABLE && flaps.length > 0)) {
      return decide(NodeStatus.UNSTABLE, false, NodeAction.NONE, `${flaps.length} short outages in the last ${seconds(windowMs)}: unstable, no relocation`, false);
    }
    const clear = state.suspect || TROUBLED.has(state.status);
    const why = heard.assumed ? `heartbeat record lost ${seconds(silenceMs)} ago: counted as heard from then, waiting for its next heartbeat` : 'heartbeats on time, checks pass';
    return decide(NodeStatus.ONLINE, false, clear ? NodeAction.CLEAR : NodeAction.NONE, why, false);
  }

  // 6
  const undecided = state.status === NodeStatus.MAINTENANCE || state.status === NodeStatus.FENCED ? NodeStatus.OFFLINE : state.status;
  const unstable = state.status === NodeStatus.UNSTABLE;
  const failAfterMs = unstable ? Math.max(deadMs, flapMaxMs) : deadMs;
  const silent = heard.assumed ? `no heartbeat since its heartbeat record was lost ${seconds(silenceMs)} ago` : `no heartbeat for ${seconds(silenceMs)}`;
  if (silenceMs <= failAfterMs) {
    return decide(NodeStatus.UNSTABLE, true, NodeAction.NONE, `${silent}; unstable: waiting for a silence longer than any flap (${seconds(failAfterMs)})`, false);
  }
  if (inGrace) return decide(undecided, true, NodeAction.NONE, `${silent}; within the grace period: not declared`, false);

  // second-channel answers count only if given after the node went suspect
  const suspectSince = hb + failAfterMs;
  const probe = obs.probe !== null && obs.probe.atMs >= suspectSince ? obs.probe : null;
  const address = obs.checkAddress !== null && obs.checkAddress.atMs >= suspectSince ? obs.checkAddress : null;
  const stale = (at: number): boolean => now - at >= reprobeMs;
  const needProbe = probe === null || stale(probe.atMs) || (obs.checkAddressConfigured && (address === null || stale(address.atMs)));
  const ask = needProbe ? NodeAction.PROBE : NodeAction.NONE;

  if (obs.checkAddressConfigured && address?.answers === true) {
    return decide(NodeStatus.EXCLUDED, false, ask, `${silent}, but its check address answers: excluded, no relocation`, false);
  }
  if (probe?.result === ProbeResult.REACHABLE) {
    return decide(NodeStatus.EXCLUDED, false, ask, `${silent}, but the hypervisor manager still reaches the host: excluded, no relocation`, false);
  }
  const addressSilent = !obs.checkAddressConfigured || address?.answers === false;
  if (probe?.result === ProbeResult.UNREACHABLE && addressSilent) {
    const what = `${silent}, the hypervisor manager cannot reach the host${obs.checkAddressConfigured ? ' and its check address is silent' : ''}`;
    if (!quorate) return decide(undecided, true, NodeAction.NONE, `${what}; the cluster is not quorate: not declared, waiting for an operator`, false);
    return decide(NodeStatus.FAILED, false, NodeAction.DECLARE_FAILURE, what, true);
  }
  const pending = probe?.result === ProbeResult.INCONCLUSIVE ? 'the probe was inconclusive' : 'asking the second channel';
  return decide(undecided, true, ask, `${silent}: suspect, ${pending}`, false);
}

export interface ClusterNodeEvaluation {
  readonly nodeId: string;
  readonly state: NodeHealthState;
  readonly observation: NodeObservation;
}

export interface ClusterHealthEvaluation {
  readonly decisions: readonly ({ readonly nodeId: string } & NodeHealthDecision)[];
  /** Quorum after this evaluation (suspect nodes do not count). */
  readonly quorum: QuorumReport;
}

/**
 * Evaluates every node of a cluster at once, so that quorum holds all or nothing: if declaring
 * this round's failures would leave the cluster without quorum, none of them is declared (the
 * nodes stay suspect, or show their isolation undeclared) and an operator must act.
 */
export function evaluateClusterHealth(
  nodes: readonly ClusterNodeEvaluation[],
  policy: Pick<ClusterPolicy, 'heartbeatIntervalSeconds' | 'deadtimeSeconds'>,
  settings?: Partial<DetectionSettings>,
): ClusterHealthEvaluation {
  const first = nodes.map((n) => ({ nodeId: n.nodeId, ...nextNodeStatus(n.state, n.observation, policy, settings ? { settings } : {}) }));
  const quorumOf = (ds: typeof first): QuorumReport =>
    quorumReport(ds.map((d) => ({ id: d.nodeId, status: d.status, suspect: d.suspect })));
  const tentative = quorumOf(first);
  if (tentative.quorate) return { decisions: first, quorum: tentative };
  const decisions = first.map((d, i) => {
    if (d.action !== NodeAction.DECLARE_FAILURE) return d;
    const n = nodes[i] as ClusterNodeEvaluation;
    return { nodeId: d.nodeId, ...nextNodeStatus(n.state, n.observation, policy, { ...(settings ? { settings } : {}), quorate: false }) };
  });
  return { decisions, quorum: quorumOf(decisions) };
}
