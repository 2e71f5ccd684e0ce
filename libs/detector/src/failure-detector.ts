import { Logger } from '@nestjs/common';
import { ClusterNodeEvaluation, ClusterState, evaluateClusterHealth, Hypervisor, NodeStatus, TenantScope } from '@haaas/domain';
import type { NodeEntity } from '@haaas/persistence';
import { QUEUES } from '@haaas/queue';
import { forEachBounded, Semaphore } from './bounded.util';
import { detectorStateKey, failureReportsKey, leaseKeys, QUORUM_FIELD } from './detector.keys';
import { DetectorLease } from './detector.lease';
import { DetectorSettings, resolveDetectorSettings } from './detector.options';
import { ClusterRef, DetectorStore, detectorScope, StaleDetectorTokenError } from './detector.store';
import { ClusterWrite, DetectorWriter, WriteOutcome } from './detector.writer';
import { ClusterReading, decideNodes, initialRecord, mayBeFenced, NodeDecisions, observe, parseQuorum, quorumTransition } from './node-decisions';
import { decodeNodeRecord, encodeNodeRecord, newer, NodeRecord } from './node-record.codec';
import { trackPresence } from './presence.tracker';
import { SecondChannelProber } from './second-channel.prober';
import { ManagerHeartbeatFeed } from './manager-heartbeat.feed';
import { clusterKey, DetectorCache } from './detector.cache';
import { SAVE_STATE_LUA, StateRedis } from './detector-state.script';
import type { DetectorDeps, DetectorLogger, DetectorStats, FreshAnswer, PendingWrite, Term } from './detector.types';
import { RecoveryJobs } from './recovery-jobs';

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
  private readonly writer: DetectorWriter;
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
  private readonly cache: DetectorCache;
  private readonly jobs: RecoveryJobs;
  /** Redis's clock at the start of the last tick, and our monotonic clock then. */
  private clock = { redisMs: 0, perf: 0 };
  private leaderTicks = 0;
  private readonly counters = { ticks: 0, evaluations: 0, writesRefused: 0, statusChanges: 0, incidentsOpened: 0, probes: 0, requeued: 0, terms: 0 };
  private readonly failingClusters = new Set<string>();

  constructor(
    private readonly deps: DetectorDeps,
    settings: Partial<DetectorSettings> = {},
  ) {
    this.settings = resolveDetectorSettings(settings);
    this.db = new DetectorStore(deps.store);
    this.writer = new DetectorWriter(this.db, this.counters);
    this.cache = new DetectorCache(this.db, this.settings);
    this.redis = deps.redis as StateRedis;
    this.redis.defineCommand('haaasDetectorSave', { numberOfKeys: 2, lua: SAVE_STATE_LUA });
    this.lease = new DetectorLease(deps.redis, { keys: leaseKeys(this.settings.keyPrefix), holder: this.settings.holder, ttlMs: this.settings.leaseMs });
    this.prober = new SecondChannelProber(deps.nodes, deps.adapters, { probeDeadlineMs: this.settings.probeDeadlineMs, addressDeadlineMs: this.settings.addressDeadlineMs });
    this.log = deps.logger ?? new Logger('FailureDetector');
    this.jobs = new RecoveryJobs(deps.producer, this.db, this.log);
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
    this.cache.clear();
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
      const list = await this.cache.clusters((watched) => {
        for (const key of this.fresh.keys()) if (!watched.has(key.slice(0, key.lastIndexOf('/')))) this.fresh.delete(key);
        for (const key of this.failingClusters) if (!watched.has(key)) this.failingClusters.delete(key);
      });
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

  /** Redis's clock now, estimated from the last tick's reading (for the time a probe was asked). */
  private now(): number {
    return Math.round(this.clock.redisMs + (performance.now() - this.clock.perf));
  }

  /**
   * One evaluation of a started cluster, in its steps: claim it for this term, read what is known,
   * decide (pure, node-decisions.ts), write MySQL (fenced), then Redis, then ask the probes.
   */
  private async evaluateCluster(ref: ClusterRef, term: Term, nowMs: number): Promise<void> {
    const scope = detectorScope(ref.tenantId);
    if (ref.cluster.state !== ClusterState.STARTED) return;
    const nodes = await this.cache.nodesOf(scope, ref.clusterId);
    if (nodes.length === 0) return;
    this.counters.evaluations += 1;
    if (!(await this.claim(ref, scope, term))) return;

    const read = await this.read(ref, scope, nodes, nowMs);
    const evaluation = evaluateClusterHealth(read.inputs, read.reading.policy, this.settings.detection);
    const decided = decideNodes(evaluation.decisions, read.reading, nowMs);
    const quorum = quorumTransition(parseQuorum(read.rawStates[QUORUM_FIELD]), evaluation.quorum.quorate);

    const write: ClusterWrite = { ref, token: term.token, nowMs, changes: decided.changes, checks: decided.checks, quorum: quorum.event !== null ? evaluation.quorum : null };
    const written = await this.commit(scope, term, write);
    if (written === null) return; // lost the lease meanwhile: decide again next time (or never)
    for (const incident of written.incidents) await this.jobs.enqueue(ref.tenantId, incident, written.redrive.has(incident.id));

    // the Redis side: saved only after MySQL committed, so a failed write is decided again next tick;
    // and only while leading (the script's token check covers a successor that already wrote here)
    if (this.term !== term || !this.lease.holding) return;
    const q = evaluation.quorum;
    // with the counts it was decided from: cluster status shows the detector's own view (DetectorViewReader)
    const quorumRecord = JSON.stringify({ ...quorum.next, quorate: q.quorate, totalNodes: q.totalNodes, healthyNodes: q.healthyNodes, quorum: q.quorum, atMs: nowMs });
    await this.saveState(ref, term, decided, written.skipped, quorumRecord);

    for (const node of decided.toProbe) this.probe(ref, scope, node, ref.cluster.hypervisor);
  }

  /** Fences the previous leader out of this cluster at once, even if nothing changes here for a while. */
  private async claim(ref: ClusterRef, scope: TenantScope, term: Term): Promise<boolean> {
    const ck = clusterKey(ref);
    if (term.claimed.has(ck)) return true;
    const claimed = await this.guardedWrite(term, { tenantId: ref.tenantId, clusterId: ref.clusterId, token: term.token, declares: [], statusChanges: [] }, () =>
      this.db.fenced(scope, ref.clusterId, term.token, async () => true),
    );
    if (claimed === null) return false;
    term.claimed.add(ck);
    return true;
  }

  /** Heartbeats, the stored records (with fresher probe answers), reports and fences: the domain's inputs. */
  private async read(ref: ClusterRef, scope: TenantScope, nodes: readonly NodeEntity[], nowMs: number): Promise<{ readonly reading: ClusterReading; readonly inputs: ClusterNodeEvaluation[]; readonly rawStates: Record<string, string> }> {
    const [records, recordSinceMs, rawStates, rawReports] = await Promise.all([
      this.deps.heartbeats.records(scope, ref.clusterId, nodes.map((n) => n.id)),
      this.deps.heartbeats.recordSince(scope, ref.clusterId), // the loss marker (ADR 0023)
      this.redis.hgetall(detectorStateKey(this.settings.keyPrefix, ref.tenantId, ref.clusterId)),
      this.redis.hgetall(failureReportsKey(this.settings.keyPrefix, ref.tenantId, ref.clusterId)),
    ]);
    const policy = { heartbeatIntervalSeconds: ref.cluster.heartbeatIntervalSeconds, deadtimeSeconds: ref.cluster.deadtimeSeconds };
    const priors = new Map<string, NodeRecord>();
    for (const node of nodes) {
      const stored = decodeNodeRecord(rawStates[node.id]);
      const base = stored ?? initialRecord(node, nowMs);
      const fresh = this.fresh.get(nodeKey(ref, node.id));
      priors.set(node.id, { ...base, probe: newer(base.probe, fresh?.probe ?? null), address: newer(base.address, fresh?.address ?? null) });
    }
    // a fence follows a declaration: only nodes declared, fenced or not ONLINE can have one that matters
    const fenceable = nodes.filter((n) => n.status !== NodeStatus.ONLINE || mayBeFenced(priors.get(n.id) as NodeRecord)).map((n) => n.id);
    const fencedAtMs = await this.cache.fencesOf(scope, ref.clusterId, fenceable);
    const inputs: ClusterNodeEvaluation[] = nodes.map((node) => {
      const prior = priors.get(node.id) as NodeRecord;
      return { nodeId: node.id, state: prior.health, observation: observe(nowMs, node, records.get(node.id), prior, fencedAtMs.get(node.id) ?? null, recordSinceMs) };
    });
    return { reading: { nodes, priors, rawReports, policy }, inputs, rawStates };
  }

  /** The MySQL write, when there is anything to write; null when this term no longer leads. */
  private async commit(scope: TenantScope, term: Term, w: ClusterWrite): Promise<WriteOutcome | null> {
    if (w.changes.length === 0 && w.checks.length === 0 && w.quorum === null) return { skipped: new Set(), incidents: [], redrive: new Set() };
    const pending: PendingWrite = {
      tenantId: w.ref.tenantId,
      clusterId: w.ref.clusterId,
      token: term.token,
      declares: w.changes.filter((c) => c.declare).map((c) => c.node.id),
      statusChanges: w.changes.map((c) => ({ nodeId: c.node.id, status: c.decision.status, suspect: c.decision.suspect })),
    };
    const written = await this.guardedWrite(term, pending, () => this.db.fenced(scope, w.ref.clusterId, term.token, (repos) => this.writer.write(repos, scope, w)));
    if (written !== null) this.cache.forget(clusterKey(w.ref));
    return written;
  }

  /** Saves the node records and the quorum in Redis (token-checked), consuming the answered reports. */
  private async saveState(ref: ClusterRef, term: Term, decided: NodeDecisions, skipped: ReadonlySet<string>, quorumRecord: string): Promise<void> {
    const args: (string | number)[] = [];
    const saved: string[] = [];
    for (const [nodeId, rec] of decided.nextRecords) {
      if (skipped.has(nodeId)) continue;
      saved.push(nodeId);
      args.push(nodeId, encodeNodeRecord(rec));
    }
    args.push(QUORUM_FIELD, quorumRecord);
    const consumed = decided.checks.filter((c) => !skipped.has(c.node.id)).flatMap((c) => [c.node.id, c.raw]);
    const stateKey = detectorStateKey(this.settings.keyPrefix, ref.tenantId, ref.clusterId);
    const reportsKey = failureReportsKey(this.settings.keyPrefix, ref.tenantId, ref.clusterId);
    const [ok, current] = await this.redis.haaasDetectorSave(stateKey, reportsKey, term.token, this.settings.stateTtlMs, args.length / 2, ...args, ...consumed);
    if (ok !== 1) throw new StaleDetectorTokenError(ref.clusterId, term.token, Number(current));
    for (const nodeId of saved) {
      const k = nodeKey(ref, nodeId);
      const fresh = this.fresh.get(k);
      const rec = decided.nextRecords.get(nodeId);
      // keep an answer that arrived after this evaluation read it
      if (fresh && rec && newer(rec.probe, fresh.probe) === rec.probe) this.fresh.delete(k);
    }
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

  /** Re-enqueues the recovery of open incidents whose job Redis lost (public for tests). */
  async reconcile(tenantIds: readonly string[]): Promise<number> {
    const requeued = await this.jobs.reconcile(tenantIds);
    this.counters.requeued += requeued;
    return requeued;
  }
}

function nodeKey(ref: ClusterRef, nodeId: string): string {
  return `${ref.tenantId}/${ref.clusterId}/${nodeId}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

