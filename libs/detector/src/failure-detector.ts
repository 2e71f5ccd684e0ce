import { trackPresence } from './presence.tracker';
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import {
  AgentChecks,
  ClusterNodeEvaluation,
  ClusterState,
  evaluateClusterHealth,
  Hypervisor,
  initialNodeHealth,
  NodeAction,
  NodeHealthDecision,
  NodeObservation,
  NodeStatus,
  NotFoundError,
  QuorumReport,
  TenantScope,
} from '@haaas/domain';
import { appendEvent, HypervisorAdapters, NodeService } from '@haaas/management';
import type { IncidentEntity, NodeEntity, Repositories, Store } from '@haaas/persistence';
import { JobProducer, QUEUES } from '@haaas/queue';
import type { HeartbeatRecord } from '@haaas/heartbeats';
import type { HeartbeatStore } from '@haaas/heartbeats';
import { forEachBounded, Semaphore } from './bounded.util';
import { detectorStateKey, failureReportsKey, leaseKeys, QUORUM_FIELD } from './detector.keys';
import { DetectorLease } from './detector.lease';
import { DetectorSettings, resolveDetectorSettings } from './detector.options';
import { ClusterRef, DetectorStore, detectorScope, StaleDetectorTokenError } from './detector.store';
import { incidentIdempotencyKey } from './incident-key';
import {
  AddressRecord,
  decodeFailureReport,
  decodeNodeRecord,
  encodeNodeRecord,
  FailureReport,
  newer,
  NodeRecord,
  ProbeRecord,
} from './node-record.codec';
import { SecondChannelProber } from './second-channel.prober';
import { ManagerHeartbeatFeed, type ManagerFeedOptions } from './manager-heartbeat.feed';

/** Statuses of a declared failure: they stick until the node is fenced or reboots (the domain's rule 3). */
const UNCLEAN: ReadonlySet<NodeStatus> = new Set([NodeStatus.FAILED, NodeStatus.NETWORK_ISOLATED, NodeStatus.STORAGE_ISOLATED]);
const TOKEN_FIELD = '~token';

// Saves a cluster's node records unless a detector with a higher token wrote them already (the
// Redis side of the fencing token: a paused ex-leader cannot overwrite its successor's state), and
// drops the external reports it consumed, each only if no newer report replaced it meanwhile.
// ARGV: token, ttl, number of records, then id/record pairs, then id/report pairs to consume.
const SAVE_STATE_LUA = `local current = tonumber(redis.call('HGET', KEYS[1], '${TOKEN_FIELD}') or '0')
local token = tonumber(ARGV[1])
if current > token then return {0, current} end
redis.call('HSET', KEYS[1], '${TOKEN_FIELD}', ARGV[1])
local n = tonumber(ARGV[3])
for i = 0, n - 1 do redis.call('HSET', KEYS[1], ARGV[4 + 2 * i], ARGV[5 + 2 * i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 4 + 2 * n, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
return {1, token}`;

interface StateRedis extends Redis {
  haaasDetectorSave(stateKey: string, reportsKey: string, ...args: (string | number)[]): Promise<[number, number]>;
}

export interface DetectorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What is about to be written for a cluster: handed to the `beforeWrite` hook. */
export interface PendingWrite {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly token: number;
  /** Nodes whose failure this write declares. */
  readonly declares: readonly string[];
  readonly statusChanges: readonly { readonly nodeId: string; readonly status: NodeStatus; readonly suspect: boolean }[];
}

export interface DetectorHooks {
  /**
   * Awaited after the detector decided to write and checked that it still holds the lease, just
   * before the fenced transaction: the window a paused process would sleep in. Tests hold it here.
   */
  readonly beforeWrite?: (write: PendingWrite) => Promise<void>;
}

export interface DetectorDeps {
  readonly store: Store;
  readonly heartbeats: HeartbeatStore;
  readonly nodes: NodeService;
  readonly adapters: HypervisorAdapters;
  /** For the lease, the detector's state and the failure reports. */
  readonly redis: Redis;
  readonly producer: JobProducer;
  readonly logger?: DetectorLogger;
  readonly hooks?: DetectorHooks;
  /** The manager heartbeat channel for clusters with heartbeat source MANAGER or BOTH (default on). */
  readonly managerHeartbeats?: ManagerFeedOptions;
}

export interface DetectorStats {
  readonly leading: boolean;
  readonly token: number | null;
  /** Ticks run as leader. */
  readonly ticks: number;
  /** Cluster evaluations run (as leader). */
  readonly evaluations: number;
  /** Fenced writes refused because another detector holds a higher token. */
  readonly writesRefused: number;
  readonly statusChanges: number;
  readonly incidentsOpened: number;
  readonly probes: number;
  /** Recovery jobs re-created by reconciliation. */
  readonly requeued: number;
  readonly terms: number;
}

interface Term {
  readonly token: number;
  /** Clusters whose detector_token this term has raised already. */
  readonly claimed: Set<string>;
}

interface NodeChange {
  readonly node: NodeEntity;
  readonly prior: NodeRecord;
  readonly decision: NodeHealthDecision;
  readonly reason: string;
  readonly declare: boolean;
  readonly lastHeartbeatAtMs: number | null;
  readonly episodeSinceMs: number;
  readonly source: 'DETECTOR' | 'NOTIFICATION';
}

interface ReportCheck {
  readonly node: NodeEntity;
  readonly report: FailureReport;
  readonly raw: string;
  readonly decision: NodeHealthDecision;
  readonly probe: ProbeRecord | null;
  readonly address: AddressRecord | null;
  readonly heartbeatAgeMs: number | null;
  readonly deadtimeMs: number;
}

interface FreshAnswer {
  readonly probe: ProbeRecord;
  readonly address: AddressRecord | null;
}

/**
 * The failure detector (ADR 0008, docs/detector.md). Every worker runs one; the one holding the
 * Redis lease evaluates every STARTED cluster each tick with the domain's evaluateClusterHealth,
 * asks the second channel when the domain says PROBE, writes status changes and incidents to MySQL
 * under its fencing token, enqueues `incident.recover`, and periodically re-enqueues the recovery of
 * open incidents (Redis may have lost the job).
 */
export class FailureDetector {
  readonly settings: DetectorSettings;
  readonly lease: DetectorLease;
  private readonly db: DetectorStore;
  private readonly prober: SecondChannelProber;
  private readonly redis: StateRedis;
  private readonly log: DetectorLogger;
  private readonly probeGate: Semaphore;
  private readonly managerFeed: ManagerHeartbeatFeed;

  private running = false;
  private term: Term | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private leaseStepRunning: Promise<void> | null = null;
  private tickRunning: Promise<void> | null = null;
  private readonly probeTasks = new Set<Promise<void>>();
  private readonly inflight = new Set<string>();
  private readonly fresh = new Map<string, FreshAnswer>();
  private clusterList: { readonly atPerf: number; readonly tenantIds: readonly string[]; readonly started: readonly ClusterRef[]; readonly idle: readonly ClusterRef[] } | null = null;
  /** Per cluster: its nodes, and the last fences of the nodes that can have one, read from MySQL and reused briefly. */
  private readonly inventories = new Map<string, { readonly atPerf: number; readonly nodes: readonly NodeEntity[] }>();
  private readonly fences = new Map<string, { readonly atPerf: number; readonly ids: string; readonly fencedAtMs: ReadonlyMap<string, number> }>();
  /** Redis's clock at the start of the last tick, and our monotonic clock then. */
  private clock = { redisMs: 0, perf: 0 };
  private leaderTicks = 0;
  private counters = { ticks: 0, evaluations: 0, writesRefused: 0, statusChanges: 0, incidentsOpened: 0, probes: 0, requeued: 0, terms: 0 };
  private readonly failingClusters = new Set<string>();

  constructor(
    private readonly deps: DetectorDeps,
    settings: Partial<DetectorSettings> = {},
  ) {
    this.settings = resolveDetectorSettings(settings);
    this.db = new DetectorStore(deps.store);
    this.redis = deps.redis as StateRedis;
    this.redis.defineCommand('haaasDetectorSave', { numberOfKeys: 2, lua: SAVE_STATE_LUA });
    this.lease = new DetectorLease(deps.redis, { keys: leaseKeys(this.settings.keyPrefix), holder: this.settings.holder, ttlMs: this.settings.leaseMs });
    this.prober = new SecondChannelProber(deps.nodes, deps.adapters, { probeDeadlineMs: this.settings.probeDeadlineMs, addressDeadlineMs: this.settings.addressDeadlineMs });
    this.log = deps.logger ?? new Logger('FailureDetector');
    this.probeGate = new Semaphore(this.settings.probeConcurrency);
    this.managerFeed = new ManagerHeartbeatFeed({ db: this.db, heartbeats: deps.heartbeats, nodes: deps.nodes, adapters: deps.adapters, logger: this.log }, deps.managerHeartbeats);
    // BullMQ reports a lost connection as an 'error' event (printed when nobody listens); ticks and
    // enqueues fail and say so themselves, so once a minute is enough here
    deps.producer.queue(QUEUES.recovery).on('error', (err: Error) => this.warnSometimes('queue', `recovery queue: ${err.message}`));
  }

  private readonly warned = new Map<string, number>();

  /** A warning repeated at most once a minute per key: a Redis outage must not flood the log. */
  private warnSometimes(key: string, text: string): void {
    const now = performance.now();
    if (now - (this.warned.get(key) ?? -Infinity) < 60_000) return;
    this.warned.set(key, now);
    this.log.warn(text);
  }

  stats(): DetectorStats {
    return { leading: this.term !== null && this.lease.holding, token: this.term?.token ?? null, ...this.counters };
  }

  /** Starts the lease and tick loops (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleLease(0);
    this.scheduleTick(this.settings.tickMs);
  }

  /** Stops both loops, waits for the running tick and probes, and gives the lease up for a quick takeover. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    if (this.tickTimer) clearTimeout(this.tickTimer);
    // bounded: a tick stuck on a dead database must not hold the shutdown; whatever it writes later is
    // fenced by the token, which the next leader raises
    const settled = Promise.allSettled([this.leaseStepRunning, this.tickRunning, ...this.probeTasks]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise<void>((r) => (timer = setTimeout(r, Math.max(5000, 2 * this.settings.probeDeadlineMs))))]);
    clearTimeout(timer);
    await this.managerFeed.close();
    if (this.term) {
      this.term = null;
      await this.lease.release().catch((err: unknown) => this.log.warn(`lease release failed: ${message(err)}`));
    }
  }

  // ---- the lease loop: renew while leading, else try to acquire ----

  private scheduleLease(delayMs: number): void {
    if (!this.running) return;
    this.leaseTimer = setTimeout(() => {
      this.leaseStepRunning = this.leaseStep().finally(() => {
        this.leaseStepRunning = null;
        this.scheduleLease(this.settings.renewEveryMs);
      });
    }, delayMs);
    this.leaseTimer.unref();
  }

  /** One lease step (public for tests that drive the detector by hand). */
  async leaseStep(): Promise<void> {
    if (this.lease.isSuspended) return; // a paused process neither renews nor notices anything
    try {
      if (this.term) {
        if (!(await this.lease.renew())) this.endTerm('the lease was lost (expired and taken over, or Redis forgot it)');
        return;
      }
      const token = await this.lease.acquire();
      if (token !== null) this.beginTerm(token);
    } catch (err) {
      this.warnSometimes('lease', `lease: ${message(err)}`);
    }
  }

  private beginTerm(token: number): void {
    this.term = { token, claimed: new Set() };
    this.counters.terms += 1;
    this.leaderTicks = 0;
    // a new leader reads MySQL afresh: what it cached in an earlier term may be stale
    this.inventories.clear();
    this.fences.clear();
    this.clusterList = null;
    this.log.log(`leading the failure detection with fencing token ${token} (${this.settings.holder})`);
    // tick at once rather than up to a tick later; a running tick reschedules itself when it ends
    if (this.running && !this.tickRunning) {
      if (this.tickTimer) clearTimeout(this.tickTimer);
      this.scheduleTick(0);
    }
  }

  private endTerm(why: string): void {
    if (!this.term) return;
    this.log.warn(`no longer leading (token ${this.term.token}): ${why}`);
    this.term = null;
    this.lease.drop();
    this.fresh.clear();
    // another detector leads now and watches the managers itself
    void this.managerFeed.close();
  }

  // ---- the tick loop ----

  private scheduleTick(delayMs: number): void {
    if (!this.running) return;
    this.tickTimer = setTimeout(() => {
      const started = performance.now();
      this.tickRunning = this.tick().finally(() => {
        this.tickRunning = null;
        this.scheduleTick(Math.max(0, this.settings.tickMs - (performance.now() - started)));
      });
    }, delayMs);
    this.tickTimer.unref();
  }

  /** One tick: evaluates every watched cluster if this detector leads (public for tests). */
  async tick(): Promise<void> {
    const term = this.term;
    if (!term || !this.lease.holding) return;
    try {
      const nowMs = await this.deps.heartbeats.now();
      this.clock = { redisMs: nowMs, perf: performance.now() };
      const list = await this.clusters();
      this.counters.ticks += 1;
      // manager heartbeats first, so this tick reads them (additive: clusters on AGENT skip it)
      await this.managerFeed.beat([...list.started, ...list.idle], nowMs).catch((err: unknown) => this.warnSometimes('manager-feed', `manager heartbeats: ${message(err)}`));
      // presence of nodes in clusters without HA: who is there decides whether HA may start
      await forEachBounded(list.idle, this.settings.clusterConcurrency, async (ref) => {
        await trackPresence(this.db, this.deps.heartbeats, ref, term.token, nowMs);
      });
      const results = await forEachBounded(list.started, this.settings.clusterConcurrency, (ref) => this.evaluateCluster(ref, term, nowMs));
      for (const [i, r] of results.entries()) {
        const ref = list.started[i] as ClusterRef;
        const key = clusterKey(ref);
        if (r.status === 'fulfilled') {
          this.failingClusters.delete(key);
          continue;
        }
        if (r.reason instanceof StaleDetectorTokenError) {
          await this.onStale(term, r.reason);
          return;
        }
        // log a failing cluster once until it recovers, not every second
        if (!this.failingClusters.has(key)) this.log.error(`cluster ${ref.tenantId}/${ref.clusterId}: ${message(r.reason)}`);
        this.failingClusters.add(key);
      }
      this.leaderTicks += 1;
      if (this.leaderTicks % this.settings.reconcileEveryTicks === 0 && this.term === term) await this.reconcile(list.tenantIds);
    } catch (err) {
      if (err instanceof StaleDetectorTokenError) await this.onStale(term, err);
      else this.warnSometimes('tick', `tick: ${message(err)}`);
    }
  }

  /** A write was refused: someone holds a higher token. Step down, and make the next token higher than it. */
  private async onStale(term: Term, err: StaleDetectorTokenError): Promise<void> {
    this.counters.writesRefused += 1;
    this.log.warn(err.message);
    if (this.term !== term) return;
    this.endTerm(`a write was refused: cluster ${err.clusterId} carries token ${err.current}`);
    try {
      // after Redis lost the counter, the token restarted below MySQL's: lift it, then let anyone acquire
      await this.lease.raiseFloor(err.current);
      await this.lease.release();
    } catch (e) {
      this.log.warn(`stepping down: ${message(e)}`);
    }
  }

  private async clusters(): Promise<{ readonly tenantIds: readonly string[]; readonly started: readonly ClusterRef[]; readonly idle: readonly ClusterRef[] }> {
    const cached = this.clusterList;
    if (cached && performance.now() - cached.atPerf < this.settings.clusterListTtlMs) return cached;
    const list = await this.db.listClusters();
    this.clusterList = { atPerf: performance.now(), ...list };
    // forget what belongs to clusters no longer watched (stopped, suspended, deleted)
    const watched = new Set(list.started.map(clusterKey));
    for (const key of [...this.inventories.keys(), ...this.fences.keys()]) if (!watched.has(key)) this.forgetCluster(key);
    for (const key of this.fresh.keys()) if (!watched.has(key.slice(0, key.lastIndexOf('/')))) this.fresh.delete(key);
    for (const key of this.failingClusters) if (!watched.has(key)) this.failingClusters.delete(key);
    return this.clusterList;
  }

  private async nodesOf(scope: TenantScope, clusterId: string): Promise<readonly NodeEntity[]> {
    const key = `${scope.tenantId}/${clusterId}`;
    const cached = this.inventories.get(key);
    if (cached && performance.now() - cached.atPerf < this.settings.inventoryTtlMs) return cached.nodes;
    const nodes = await this.db.nodesOf(scope, clusterId);
    this.inventories.set(key, { atPerf: performance.now(), nodes });
    return nodes;
  }

  private async fencesOf(scope: TenantScope, clusterId: string, nodeIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    if (nodeIds.length === 0) return new Map();
    const key = `${scope.tenantId}/${clusterId}`;
    const ids = [...nodeIds].sort().join(',');
    const cached = this.fences.get(key);
    if (cached && cached.ids === ids && performance.now() - cached.atPerf < this.settings.inventoryTtlMs) return cached.fencedAtMs;
    const fencedAtMs = await this.db.lastFences(scope, clusterId, nodeIds);
    this.fences.set(key, { atPerf: performance.now(), ids, fencedAtMs });
    return fencedAtMs;
  }

  private forgetCluster(key: string): void {
    this.inventories.delete(key);
    this.fences.delete(key);
  }

  /** Redis's clock now, estimated from the last tick's reading (for the time a probe was asked). */
  private now(): number {
    return Math.round(this.clock.redisMs + (performance.now() - this.clock.perf));
  }

  private async evaluateCluster(ref: ClusterRef, term: Term, nowMs: number): Promise<void> {
    const scope = detectorScope(ref.tenantId);
    const cluster = ref.cluster;
    if (cluster.state !== ClusterState.STARTED) return;
    const nodes = await this.nodesOf(scope, ref.clusterId);
    if (nodes.length === 0) return;
    this.counters.evaluations += 1;
    const ck = clusterKey(ref);

    // fence the previous leader out of this cluster at once, even if nothing changes here for a while
    if (!term.claimed.has(ck)) {
      const claimed = await this.guardedWrite(term, { tenantId: ref.tenantId, clusterId: ref.clusterId, token: term.token, declares: [], statusChanges: [] }, () =>
        this.db.fenced(scope, ref.clusterId, term.token, async () => true),
      );
      if (claimed === null) return;
      term.claimed.add(ck);
    }

    const stateKey = detectorStateKey(this.settings.keyPrefix, ref.tenantId, ref.clusterId);
    const reportsKey = failureReportsKey(this.settings.keyPrefix, ref.tenantId, ref.clusterId);
    const [records, rawStates, rawReports] = await Promise.all([
      this.deps.heartbeats.records(scope, ref.clusterId, nodes.map((n) => n.id)),
      this.redis.hgetall(stateKey),
      this.redis.hgetall(reportsKey),
    ]);

    const policy = { heartbeatIntervalSeconds: cluster.heartbeatIntervalSeconds, deadtimeSeconds: cluster.deadtimeSeconds };
    const priors = new Map<string, NodeRecord>();
    for (const node of nodes) {
      const stored = decodeNodeRecord(rawStates[node.id]);
      const base = stored ?? initialRecord(node, nowMs);
      const fresh = this.fresh.get(nodeKey(ref, node.id));
      priors.set(node.id, { ...base, probe: newer(base.probe, fresh?.probe ?? null), address: newer(base.address, fresh?.address ?? null) });
    }
    // a fence follows a declaration: only nodes declared, fenced or not ONLINE can have one that matters
    const fenceable = nodes.filter((n) => n.status !== NodeStatus.ONLINE || mayBeFenced(priors.get(n.id) as NodeRecord)).map((n) => n.id);
    const fencedAtMs = await this.fencesOf(scope, ref.clusterId, fenceable);
    const inputs: ClusterNodeEvaluation[] = nodes.map((node) => {
      const prior = priors.get(node.id) as NodeRecord;
      return { nodeId: node.id, state: prior.health, observation: observe(nowMs, node, records.get(node.id), prior, fencedAtMs.get(node.id) ?? null) };
    });
    const evaluation = evaluateClusterHealth(inputs, policy, this.settings.detection);

    const changes: NodeChange[] = [];
    const checks: ReportCheck[] = [];
    const nextRecords = new Map<string, NodeRecord>();
    const toProbe: NodeEntity[] = [];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const d of evaluation.decisions) {
      const node = byId.get(d.nodeId) as NodeEntity;
      const prior = priors.get(d.nodeId) as NodeRecord;
      const troubled = d.suspect || UNCLEAN.has(d.status) || d.status === NodeStatus.EXCLUDED;
      const episodeSinceMs = troubled ? (prior.episodeSinceMs ?? nowMs) : null;
      const rawReport = rawReports[d.nodeId];
      const report = decodeFailureReport(rawReport);
      const reportedAtMs = report ? Math.max(report.lastAtMs, prior.reportedAtMs ?? 0) : prior.reportedAtMs;
      nextRecords.set(d.nodeId, { health: d.state, probe: prior.probe, address: prior.address, episodeSinceMs, reportedAtMs });

      const declare = d.action === NodeAction.DECLARE_FAILURE;
      // a declared failure keeps the reason it was declared for (the domain's "stays until fenced" adds nothing)
      const sticky = UNCLEAN.has(d.status) && d.state.declared && !declare && node.status === d.status && node.statusReason;
      const reason = sticky ? (node.statusReason as string) : statusReason(d, prior);
      if (declare || d.changed || d.status !== node.status || reasonKind(reason) !== reasonKind(node.statusReason ?? null)) {
        changes.push({
          node,
          prior,
          decision: d,
          reason,
          declare,
          lastHeartbeatAtMs: d.state.lastHeartbeatAtMs,
          episodeSinceMs: episodeSinceMs ?? nowMs,
          source: reportedAfterLastHeartbeat(reportedAtMs, d.state.lastHeartbeatAtMs, policy.heartbeatIntervalSeconds * 1000) ? 'NOTIFICATION' : 'DETECTOR',
        });
      }
      if (d.action === NodeAction.PROBE) toProbe.push(node);
      if (report && rawReport) {
        // an external report is checked by a probe asked after it, unless nothing is left to decide
        const settled = d.status === NodeStatus.MAINTENANCE || (UNCLEAN.has(d.status) && d.state.declared) || d.status === NodeStatus.FENCED;
        const answered = prior.probe !== null && prior.probe.atMs >= report.lastAtMs;
        if (settled || answered) {
          const hb = d.state.lastHeartbeatAtMs;
          checks.push({ node, report, raw: rawReport, decision: d, probe: prior.probe, address: prior.address, heartbeatAgeMs: hb === null ? null : nowMs - hb, deadtimeMs: policy.deadtimeSeconds * 1000 });
        } else if (!toProbe.includes(node)) {
          toProbe.push(node);
        }
      }
    }
    const quorum = quorumTransition(parseQuorum(rawStates[QUORUM_FIELD]), evaluation.quorum.quorate);
    const quorumChanged = quorum.event !== null;

    let skipped = new Set<string>();
    let incidents: IncidentEntity[] = [];
    let redrive = new Set<string>();
    if (changes.length > 0 || checks.length > 0 || quorumChanged) {
      const pending: PendingWrite = {
        tenantId: ref.tenantId,
        clusterId: ref.clusterId,
        token: term.token,
        declares: changes.filter((c) => c.declare).map((c) => c.node.id),
        statusChanges: changes.map((c) => ({ nodeId: c.node.id, status: c.decision.status, suspect: c.decision.suspect })),
      };
      const written = await this.guardedWrite(term, pending, () =>
        this.db.fenced(scope, ref.clusterId, term.token, (repos) => this.write(repos, scope, ref, term, nowMs, changes, checks, quorumChanged ? evaluation.quorum : null)),
      );
      if (written === null) return; // lost the lease meanwhile: decide again next time (or never)
      skipped = written.skipped;
      incidents = written.incidents;
      redrive = written.redrive;
      this.forgetCluster(ck);
    }

    for (const incident of incidents) await this.enqueueRecovery(ref.tenantId, incident, redrive.has(incident.id));

    // the Redis side: saved only after MySQL committed, so a failed write is decided again next tick;
    // and only while leading (the script's token check covers a successor that already wrote here)
    if (this.term !== term || !this.lease.holding) return;
    const args: (string | number)[] = [];
    const saved: string[] = [];
    for (const [nodeId, rec] of nextRecords) {
      if (skipped.has(nodeId)) continue;
      saved.push(nodeId);
      args.push(nodeId, encodeNodeRecord(rec));
    }
    // with the counts it was decided from: cluster status shows the detector's own view (DetectorViewReader)
    const q = evaluation.quorum;
    args.push(QUORUM_FIELD, JSON.stringify({ ...quorum.next, quorate: q.quorate, totalNodes: q.totalNodes, healthyNodes: q.healthyNodes, quorum: q.quorum, atMs: nowMs }));
    const consumed = checks.filter((c) => !skipped.has(c.node.id)).flatMap((c) => [c.node.id, c.raw]);
    const [ok, current] = await this.redis.haaasDetectorSave(stateKey, reportsKey, term.token, this.settings.stateTtlMs, args.length / 2, ...args, ...consumed);
    if (ok !== 1) throw new StaleDetectorTokenError(ref.clusterId, term.token, Number(current));
    for (const nodeId of saved) {
      const k = nodeKey(ref, nodeId);
      const fresh = this.fresh.get(k);
      const rec = nextRecords.get(nodeId);
      // keep an answer that arrived after this evaluation read it
      if (fresh && rec && newer(rec.probe, fresh.probe) === rec.probe) this.fresh.delete(k);
    }

    for (const node of toProbe) this.probe(ref, scope, node, cluster.hypervisor);
  }

  /**
   * Runs a fenced write if this term still leads: null when it does not (the decision is dropped).
   * The hook runs between that check and the write, where a paused process would be.
   */
  private async guardedWrite<T>(term: Term, pending: PendingWrite, write: () => Promise<T>): Promise<T | null> {
    if (this.term !== term || !this.lease.holding) return null;
    await this.deps.hooks?.beforeWrite?.(pending);
    return write();
  }

  private async write(
    repos: Repositories,
    scope: TenantScope,
    ref: ClusterRef,
    term: Term,
    nowMs: number,
    changes: readonly NodeChange[],
    checks: readonly ReportCheck[],
    quorum: QuorumReport | null,
  ): Promise<{ skipped: Set<string>; incidents: IncidentEntity[]; redrive: Set<string> }> {
    const skipped = new Set<string>();
    const incidents: IncidentEntity[] = [];
    const redrive = new Set<string>();
    const at = new Date(nowMs);
    // rows in id order: two writers locking the same nodes lock them in the same order
    for (const c of [...changes].sort((a, b) => (a.node.id < b.node.id ? -1 : 1))) {
      const row = await repos.nodes.lock(scope, c.node.id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
      // the node left, moved, an operator toggled maintenance, or another writer (recovery: FENCED;
      // operations) changed its status since we read it: decide again with fresh data next tick
      const changedElsewhere = row !== null && row.status !== c.node.status && row.status !== c.decision.status;
      if (!row || row.clusterId !== ref.clusterId || row.maintenance !== c.node.maintenance || changedElsewhere) {
        skipped.add(c.node.id);
        continue;
      }
      const d = c.decision;
      const before = { status: row.status, suspect: c.prior.health.suspect, reason: row.statusReason ?? null };
      const statusChanged = row.status !== d.status;
      if (statusChanged || row.statusReason !== c.reason) {
        row.status = d.status;
        row.statusReason = c.reason;
        if (statusChanged) row.statusChangedAt = at;
        await repos.nodes.save(scope, row);
      }
      if (statusChanged || before.suspect !== d.suspect || reasonKind(before.reason) !== reasonKind(c.reason)) {
        this.counters.statusChanges += 1;
        await appendEvent(repos, scope, {
          clusterId: ref.clusterId,
          type: 'node.status_changed',
          objectType: 'Node',
          objectId: row.id,
          nodeId: row.id,
          before,
          after: { status: d.status, suspect: d.suspect, reason: c.reason },
          message: statusChanged
            ? `${before.status} → ${d.status}: ${c.reason}`
            : before.suspect !== d.suspect
              ? `${d.status}, ${d.suspect ? 'suspect' : 'no longer suspect'}: ${c.reason}`
              : `${d.status}: ${c.reason}`,
        });
      }
      if (!c.declare) continue;
      const open = await this.db.openIncidentOf(repos, scope, row.id);
      if (open) {
        // the node failed (again) while its incident is open: the failure is added to it and the
        // incident is driven again (from its row version), never dropped as a duplicate job
        incidents.push(open);
        redrive.add(open.id);
        await appendEvent(repos, scope, {
          clusterId: ref.clusterId,
          type: 'incident.failed_again',
          objectType: 'Incident',
          objectId: open.id,
          nodeId: row.id,
          after: { incidentId: open.id, state: open.state, reason: c.reason },
          message: `${row.hostname} declared failed while its incident ${open.id} is ${open.state}: added to it (${c.reason})`,
        });
        continue;
      }
      const { incident, created } = await this.db.createIncident(repos, scope, {
        clusterId: ref.clusterId,
        nodeId: row.id,
        idempotencyKey: incidentIdempotencyKey(ref.clusterId, row.id, c.lastHeartbeatAtMs ?? c.episodeSinceMs),
        source: c.source,
        reason: c.reason,
        lastSeenAt: c.lastHeartbeatAtMs === null ? null : new Date(c.lastHeartbeatAtMs),
        declaredAt: at,
        detectorToken: term.token,
      });
      incidents.push(incident);
      if (!created) continue;
      this.counters.incidentsOpened += 1;
      const timings = {
        lastSeenAt: incident.lastSeenAt?.toISOString() ?? null,
        detectedAt: new Date(c.episodeSinceMs).toISOString(),
        declaredAt: incident.declaredAt.toISOString(),
      };
      await appendEvent(repos, scope, {
        clusterId: ref.clusterId,
        type: 'incident.opened',
        objectType: 'Incident',
        objectId: incident.id,
        nodeId: row.id,
        after: { state: incident.state, source: incident.source, reason: incident.reason, idempotencyKey: incident.idempotencyKey, detectorToken: term.token, ...timings },
        message: `incident opened for ${row.hostname}: ${c.reason}`,
      });
      await appendEvent(repos, scope, {
        clusterId: ref.clusterId,
        type: 'node.failed',
        objectType: 'Node',
        objectId: row.id,
        nodeId: row.id,
        after: { status: d.status, incidentId: incident.id, reason: c.reason, ...timings },
        message: `${row.hostname} declared ${d.status}: ${c.reason}`,
      });
    }
    for (const check of checks) {
      if (skipped.has(check.node.id)) continue;
      await appendEvent(repos, scope, {
        clusterId: ref.clusterId,
        type: 'node.failure_report_checked',
        objectType: 'Node',
        objectId: check.node.id,
        nodeId: check.node.id,
        after: {
          reports: check.report.count,
          sources: check.report.sources,
          status: check.decision.status,
          suspect: check.decision.suspect,
          heartbeatAgeMs: check.heartbeatAgeMs,
          probe: check.probe ? { result: check.probe.result, detail: check.probe.detail } : null,
          checkAddress: check.address ? { answers: check.address.answers, detail: check.address.detail } : null,
        },
        message: reportVerdict(check),
      });
    }
    if (quorum) {
      await appendEvent(repos, scope, {
        clusterId: ref.clusterId,
        type: quorum.quorate ? 'cluster.quorum_regained' : 'cluster.quorum_lost',
        objectType: 'Cluster',
        objectId: ref.clusterId,
        after: { healthyNodes: quorum.healthyNodes, quorum: quorum.quorum, totalNodes: quorum.totalNodes },
        message: quorum.quorate
          ? `quorum regained: ${quorum.healthyNodes} of ${quorum.totalNodes} nodes healthy (${quorum.quorum} needed)`
          : `quorum lost: ${quorum.healthyNodes} of ${quorum.totalNodes} nodes healthy, ${quorum.quorum} needed; no failure is declared until an operator acts or nodes return`,
      });
    }
    return { skipped, incidents, redrive };
  }

  /** The incident's first job; `again`: a job of its current row version (an open incident whose node failed again). */
  private async enqueueRecovery(tenantId: string, incident: IncidentEntity, again = false): Promise<void> {
    try {
      await this.deps.producer.enqueue('incident.recover', { tenantId, incidentId: incident.id }, { jobId: again ? `${incident.id}.r${incident.version}` : incident.id });
    } catch (err) {
      // the incident is in MySQL: reconciliation enqueues it again within a few ticks
      this.log.warn(`enqueue incident.recover ${incident.id}: ${message(err)}; reconciliation will retry`);
    }
  }

  /** Starts a second-channel probe of the node unless one is running (concurrent asks coalesce). */
  private probe(ref: ClusterRef, scope: TenantScope, node: NodeEntity, hypervisor: Hypervisor): void {
    const k = nodeKey(ref, node.id);
    if (this.inflight.has(k) || !this.running) return;
    this.inflight.add(k);
    const task = this.probeGate
      .run(async () => {
        const atMs = this.now();
        this.counters.probes += 1;
        const answer = await this.prober.ask(scope, node, hypervisor);
        const address = answer.address && answer.address.answers !== null ? { atMs, answers: answer.address.answers, detail: answer.address.detail } : null;
        if (this.term) this.fresh.set(k, { probe: { atMs, result: answer.probe.result, detail: answer.probe.detail }, address });
      })
      .catch((err: unknown) => this.log.warn(`probe of node ${node.id}: ${message(err)}`))
      .finally(() => {
        this.inflight.delete(k);
        this.probeTasks.delete(task);
      });
    this.probeTasks.add(task);
  }

  /**
   * Gives every open incident its recovery job back when Redis lost it (restart, failover, FLUSHALL):
   * the job id is the incident id, so this never makes a second job for one incident.
   */
  async reconcile(tenantIds: readonly string[]): Promise<number> {
    const queue = this.deps.producer.queue(QUEUES.recovery);
    let requeued = 0;
    for (const tenantId of tenantIds) {
      const open = await this.db.openIncidents(detectorScope(tenantId));
      for (const incident of open) {
        if (await queue.getJob(incident.id)) continue;
        await this.deps.producer.enqueue('incident.recover', { tenantId, incidentId: incident.id }, { jobId: incident.id });
        requeued += 1;
        this.log.warn(`incident ${incident.id} (${incident.state}) had no recovery job: enqueued again`);
      }
    }
    this.counters.requeued += requeued;
    return requeued;
  }
}

function clusterKey(ref: ClusterRef): string {
  return `${ref.tenantId}/${ref.clusterId}`;
}

function nodeKey(ref: ClusterRef, nodeId: string): string {
  return `${ref.tenantId}/${ref.clusterId}/${nodeId}`;
}

/** A node the detector has no record of starts from its database status (a declared failure stays declared). */
export function initialRecord(node: NodeEntity, nowMs: number): NodeRecord {
  const health = initialNodeHealth(nowMs, node.status);
  return { health: { ...health, declared: UNCLEAN.has(node.status) }, probe: null, address: null, episodeSinceMs: null, reportedAtMs: null };
}

/** The node was declared failed or fenced (by its record): its last fence matters to the domain. */
function mayBeFenced(record: NodeRecord): boolean {
  return record.health.declared || UNCLEAN.has(record.health.status) || record.health.status === NodeStatus.FENCED || record.health.status === NodeStatus.OFFLINE;
}

/** The domain's observation of a node from its heartbeat record, its row and the detector's record. */
export function observe(nowMs: number, node: NodeEntity, heartbeat: HeartbeatRecord | undefined, record: NodeRecord, fencedAtMs: number | null): NodeObservation {
  // a check the agent does not run (no storage path, no isolation address) is absent, not failed
  const checks: AgentChecks | null = heartbeat
    ? {
        storageWriteOk: heartbeat.checks.storage?.ok ?? true,
        isolationAddressReachable: heartbeat.checks.isolationAddress?.ok ?? true,
        bootTimeMs: heartbeat.bootTime,
      }
    : null;
  return {
    nowMs,
    maintenance: node.maintenance,
    lastHeartbeatAtMs: heartbeat?.seenAt ?? null,
    checks,
    probe: record.probe ? { atMs: record.probe.atMs, result: record.probe.result } : null,
    checkAddressConfigured: node.checkAddress !== null && node.checkAddress !== '',
    checkAddress: record.address ? { atMs: record.address.atMs, answers: record.address.answers } : null,
    fencedAtMs,
  };
}

/** The status reason stored on the node: the domain's reason, with the second channel's answers when they matter. */
export function statusReason(d: NodeHealthDecision, record: NodeRecord): string {
  const asked = d.suspect || d.status === NodeStatus.EXCLUDED || d.status === NodeStatus.FAILED;
  const extra = asked ? [record.probe?.detail, record.address?.detail].filter((s): s is string => !!s) : [];
  const text = extra.length > 0 ? `${d.reason} (${extra.join('; ')})` : d.reason;
  return text.length > 512 ? `${text.slice(0, 509)}...` : text;
}

/**
 * A reason without its figures ("no heartbeat for 12 s" and "for 13 s" are the same reason): the
 * stored reason is rewritten when what it says changes, not every second.
 */
export function reasonKind(reason: string | null): string {
  return (reason ?? '').replace(/\d+/g, '#');
}

function reportVerdict(c: ReportCheck): string {
  const who = c.report.sources.join(', ') || 'an external monitor';
  const d = c.decision;
  if (d.status === NodeStatus.MAINTENANCE) return `failure reported by ${who}: the node is in maintenance, nothing is detected`;
  if (UNCLEAN.has(d.status) && d.state.declared) return `failure reported by ${who}: confirmed, the node is declared ${d.status}`;
  if (d.status === NodeStatus.FENCED) return `failure reported by ${who}: the node is fenced already`;
  const probe = c.probe ? `; ${c.probe.detail}` : '';
  if (c.heartbeatAgeMs !== null && !d.suspect && d.status !== NodeStatus.EXCLUDED) {
    return `failure reported by ${who}: not confirmed, last heartbeat ${(c.heartbeatAgeMs / 1000).toFixed(1)} s ago, within the deadtime (${c.deadtimeMs / 1000} s); the detector keeps watching${probe}`;
  }
  if (d.status === NodeStatus.EXCLUDED) return `failure reported by ${who}: not confirmed, the node is alive: ${d.reason}${probe}`;
  return `failure reported by ${who}: being confirmed: ${d.reason}${probe}`;
}

/**
 * An external report is about this failure when it came after the node's last heartbeat (less one
 * interval of slack): earlier ones were contradicted by the heartbeats that followed.
 */
export function reportedAfterLastHeartbeat(reportedAtMs: number | null, lastHeartbeatAtMs: number | null, intervalMs: number): boolean {
  return reportedAtMs !== null && lastHeartbeatAtMs !== null && reportedAtMs >= lastHeartbeatAtMs - intervalMs;
}

/** The cluster's last quorum as the detector stored it; `lost`: a quorum_lost event is outstanding. */
export interface QuorumMemory {
  readonly quorate: boolean;
  readonly lost: boolean;
}

function parseQuorum(raw: string | undefined): QuorumMemory | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { quorate?: unknown; lost?: unknown };
    return typeof v.quorate === 'boolean' ? { quorate: v.quorate, lost: v.lost === true } : null;
  } catch {
    return null;
  }
}

/**
 * What to log about quorum, once per transition: LOST when a quorate cluster stops being so,
 * REGAINED when it returns after a LOST. A cluster first seen (or whose state Redis lost) is only
 * remembered: a cluster whose agents have not reported yet has not "lost" anything.
 */
export function quorumTransition(previous: QuorumMemory | null, quorate: boolean): { readonly event: 'LOST' | 'REGAINED' | null; readonly next: QuorumMemory } {
  if (previous === null) return { event: null, next: { quorate, lost: false } };
  if (previous.quorate && !quorate) return { event: 'LOST', next: { quorate, lost: true } };
  if (!previous.quorate && quorate) return { event: previous.lost ? 'REGAINED' : null, next: { quorate, lost: false } };
  return { event: null, next: previous };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
