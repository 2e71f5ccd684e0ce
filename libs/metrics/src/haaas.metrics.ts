import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type CallResult, type HeartbeatResult, METRIC, type QueueJobState } from './metric-names';

export interface MetricsOptions {
  /** `api` or `worker`: a constant label on every series (`process`), so one dashboard shows both. */
  readonly process: 'api' | 'worker' | 'bench';
  /**
   * Adds `tenant` and `service` labels to the recovery series (HAAAS_METRICS_OBJECT_LABELS). Off
   * by default: ids of tenants' objects make one series per service, which Prometheus pays for.
   */
  readonly objectLabels?: boolean;
  /** Node.js process metrics (CPU, memory, event loop lag, GC): on by default. */
  readonly processMetrics?: boolean;
}

/** Counts of rows by state, read at scrape time (one query each, not kept in step by hand). */
export interface StateCounts {
  readonly nodes: ReadonlyMap<string, number>;
  readonly incidents: ReadonlyMap<string, number>;
}
export type StateCountsSource = () => Promise<StateCounts>;
/** Job counts per queue and state, read at scrape time. */
export type QueueCountsSource = () => Promise<ReadonlyMap<string, Partial<Record<QueueJobState, number>>>>;
/** The detector's own counters, read at scrape time. */
export type DetectorStatsSource = () => { readonly leading: boolean; readonly ticks: number };

const SECONDS_SHORT = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SECONDS_FENCE = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
const SECONDS_RECOVERY = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800, 3600];

/** How long a scrape waits for MySQL or Redis counts before leaving them out (Prometheus times out too). */
const SOURCE_TIMEOUT_MS = 2_000;

/**
 * A scrape-time source, bounded: a database or Redis that does not answer leaves its series out of
 * this scrape (absent, which the alert rules treat as unknown) instead of failing every metric.
 */
async function bounded<T>(pending: Promise<T> | undefined): Promise<T | undefined> {
  if (!pending) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), SOURCE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([pending.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The registry of one process and every metric of HAaaS, typed: callers record through these
 * methods (the port), never through prom-client. Label values are bounded by their types (an
 * operation name is bounded by `boundedName`); ids of tenants' objects appear only with
 * `objectLabels`.
 */
export class HaaasMetrics {
  readonly registry = new Registry();
  readonly objectLabels: boolean;

  private readonly httpRequests: Counter<'method' | 'route' | 'code'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;
  private readonly graphqlRequests: Counter<'operation' | 'type' | 'code'>;
  private readonly graphqlDuration: Histogram<'operation' | 'type'>;
  private readonly heartbeats: Counter<'result'>;
  private readonly clusterEvents: Counter<'type'>;
  private readonly incidentsOpened: Counter;
  private readonly incidentsClosed: Counter<'outcome'>;
  private readonly awaitingOperator: Counter<'reason'>;
  private readonly detectorPassDuration: Histogram;
  private readonly detectorLastPass: Gauge;
  private readonly fenceAttempts: Counter<'agent' | 'result'>;
  private readonly fenceDuration: Histogram<'agent' | 'result'>;
  private readonly serviceRecoveries: Counter<string>;
  private readonly recoveryDuration: Histogram<string>;
  private readonly timeToRecover: Histogram<string>;
  private readonly rtoMisses: Counter<string>;
  private readonly queueStalled: Counter<'queue'>;
  private readonly hypervisorCalls: Counter<'adapter' | 'call' | 'result'>;
  private readonly hypervisorDuration: Histogram<'adapter' | 'call'>;
  private readonly agentActions: Counter<'action' | 'result'>;
  private readonly agentRoundTrip: Histogram<'action'>;
  private stateCounts: StateCountsSource | null = null;
  private statesInFlight: Promise<StateCounts | undefined> | null = null;
  private queueCounts: QueueCountsSource | null = null;
  private detectorStats: DetectorStatsSource | null = null;

  constructor(options: MetricsOptions) {
    this.objectLabels = options.objectLabels ?? false;
    this.registry.setDefaultLabels({ process: options.process });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const objects = this.objectLabels ? ['tenant', 'service'] : [];
    this.httpRequests = new Counter({ name: METRIC.httpRequests, help: 'HTTP requests answered, by method, route (the pattern, not the path) and status code.', labelNames: ['method', 'route', 'code'], registers });
    this.httpDuration = new Histogram({ name: METRIC.httpDuration, help: 'HTTP request duration, by method and route.', labelNames: ['method', 'route'], buckets: SECONDS_SHORT, registers });
    this.graphqlRequests = new Counter({ name: METRIC.graphqlRequests, help: 'GraphQL operations, by operation name, type and result code (OK or the first error code).', labelNames: ['operation', 'type', 'code'], registers });
    this.graphqlDuration = new Histogram({ name: METRIC.graphqlDuration, help: 'GraphQL operation duration, by operation name and type.', labelNames: ['operation', 'type'], buckets: SECONDS_SHORT, registers });
    this.heartbeats = new Counter({ name: METRIC.heartbeats, help: 'Node agent heartbeats received: accepted, or rejected (bad token, bad body, node gone).', labelNames: ['result'], registers });
    this.clusterEvents = new Counter({ name: METRIC.clusterEvents, help: 'Cluster log events written by this process, by event type.', labelNames: ['type'], registers });
    this.incidentsOpened = new Counter({ name: METRIC.incidentsOpened, help: 'Incidents opened (a node declared failed), including reopened ones.', registers });
    this.incidentsClosed = new Counter({ name: METRIC.incidentsClosed, help: 'Incidents closed, by outcome (recovered, partially_recovered, failed, cancelled).', labelNames: ['outcome'], registers });
    this.awaitingOperator = new Counter({ name: METRIC.incidentsAwaitingOperator, help: 'Times an incident began waiting for an operator, by why.', labelNames: ['reason'], registers });
    this.detectorPassDuration = new Histogram({ name: METRIC.detectorPassDuration, help: 'Duration of the leading failure detector\'s passes over every cluster.', buckets: SECONDS_SHORT, registers });
    this.detectorLastPass = new Gauge({ name: METRIC.detectorLastPass, help: 'Unix time of the last pass of the leading failure detector in this process.', registers });
    this.fenceAttempts = new Counter({ name: METRIC.fenceAttempts, help: 'Fencing device runs, by fence agent and result (ok, error).', labelNames: ['agent', 'result'], registers });
    this.fenceDuration = new Histogram({ name: METRIC.fenceDuration, help: 'Fencing device run duration, by fence agent and result.', labelNames: ['agent', 'result'], buckets: SECONDS_FENCE, registers });
    this.serviceRecoveries = new Counter({ name: METRIC.serviceRecoveries, help: 'Services an incident recovered or could not, by result and RTO verdict (met, missed, none).', labelNames: ['result', 'rto', ...objects], registers });
    this.recoveryDuration = new Histogram({ name: METRIC.recoveryDuration, help: 'From a service\'s recovery start to it running on a survivor.', labelNames: ['rto', ...objects], buckets: SECONDS_RECOVERY, registers });
    this.timeToRecover = new Histogram({ name: METRIC.timeToRecover, help: 'From the failure of a service\'s node to the service running again (what its RTO is measured on), by RTO verdict.', labelNames: ['rto', ...objects], buckets: SECONDS_RECOVERY, registers });
    this.rtoMisses = new Counter({ name: METRIC.rtoMisses, help: 'Services recovered later than their RTO, or not at all, while they had one.', labelNames: objects, registers });
    this.queueStalled = new Counter({ name: METRIC.queueStalled, help: 'Jobs BullMQ found stalled (their worker lost the lock), by queue.', labelNames: ['queue'], registers });
    this.hypervisorCalls = new Counter({ name: METRIC.hypervisorCalls, help: 'Hypervisor adapter calls, by adapter, call and result.', labelNames: ['adapter', 'call', 'result'], registers });
    this.hypervisorDuration = new Histogram({ name: METRIC.hypervisorCallDuration, help: 'Hypervisor adapter call latency, by adapter and call.', labelNames: ['adapter', 'call'], buckets: SECONDS_FENCE, registers });
    this.agentActions = new Counter({ name: METRIC.agentActions, help: 'Node agent resource actions, by action and result (ok, error, timeout).', labelNames: ['action', 'result'], registers });
    this.agentRoundTrip = new Histogram({ name: METRIC.agentActionRoundTrip, help: 'From a resource action handed to a node agent to its result.', labelNames: ['action'], buckets: SECONDS_FENCE, registers });
    this.defineScraped(registers);
  }

  /** Gauges whose values are read when Prometheus scrapes (sources set by the composition root). */
  private defineScraped(registers: Registry[]): void {
    const nodes: Gauge<'status'> = new Gauge({
      name: METRIC.nodes, help: 'Nodes by status (every tenant).', labelNames: ['status'], registers,
      collect: async () => {
        const counts = await this.sharedStateCounts();
        nodes.reset();
        for (const [status, n] of counts?.nodes ?? []) nodes.set({ status }, n);
      },
    });
    const incidents: Gauge<'state'> = new Gauge({
      name: METRIC.incidents, help: 'Open incidents by state (every tenant).', labelNames: ['state'], registers,
      collect: async () => {
        const counts = await this.sharedStateCounts();
        incidents.reset();
        for (const [state, n] of counts?.incidents ?? []) incidents.set({ state }, n);
      },
    });
    const queues: Gauge<'queue' | 'state'> = new Gauge({
      name: METRIC.queueJobs, help: 'BullMQ jobs by queue and state.', labelNames: ['queue', 'state'], registers,
      collect: async () => {
        const counts = await bounded(this.queueCounts?.());
        queues.reset();
        for (const [queue, states] of counts ?? []) for (const [state, n] of Object.entries(states)) queues.set({ queue, state }, n ?? 0);
      },
    });
    const passes: Counter = new Counter({
      name: METRIC.detectorPasses, help: 'Passes of the failure detector while it led, in this process.', registers,
      collect: () => {
        passes.reset();
        passes.inc(this.detectorStats?.().ticks ?? 0);
      },
    });
    const leading: Gauge = new Gauge({
      name: METRIC.detectorLeading, help: '1 when this process holds the failure detector lease.', registers,
      collect: () => {
        leading.set(this.detectorStats?.().leading ? 1 : 0);
      },
    });
  }

  /** One read of the state counts per scrape: prom-client collects every metric at once, so both gauges share it. */
  private sharedStateCounts(): Promise<StateCounts | undefined> {
    if (!this.statesInFlight) {
      this.statesInFlight = bounded(this.stateCounts?.()).finally(() => {
        this.statesInFlight = null;
      });
    }
    return this.statesInFlight;
  }

  readSourcesFrom(sources: { readonly states?: StateCountsSource; readonly queues?: QueueCountsSource; readonly detector?: DetectorStatsSource }): void {
    if (sources.states) this.stateCounts = sources.states;
    if (sources.queues) this.queueCounts = sources.queues;
    if (sources.detector) this.detectorStats = sources.detector;
  }

  httpRequest(method: string, route: string, code: number, seconds: number): void {
    this.httpRequests.inc({ method, route, code: String(code) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  graphqlRequest(operation: string, type: string, code: string, seconds: number): void {
    this.graphqlRequests.inc({ operation, type, code });
    this.graphqlDuration.observe({ operation, type }, seconds);
  }

  heartbeat(result: HeartbeatResult): void {
    this.heartbeats.inc({ result });
  }

  clusterEvent(type: string): void {
    this.clusterEvents.inc({ type });
  }

  incidentOpened(): void {
    this.incidentsOpened.inc();
  }

  incidentClosed(outcome: string): void {
    this.incidentsClosed.inc({ outcome });
  }

  incidentAwaitingOperator(reason: string): void {
    this.awaitingOperator.inc({ reason });
  }

  detectorPass(seconds: number, atMs: number): void {
    this.detectorPassDuration.observe(seconds);
    this.detectorLastPass.set(atMs / 1000);
  }

  fenceAttempt(agent: string, result: CallResult, seconds: number | null): void {
    this.fenceAttempts.inc({ agent, result });
    if (seconds !== null) this.fenceDuration.observe({ agent, result }, seconds);
  }

  /** A service's recovery ended: `recovered` with its timings, or failed; `rto` is its verdict. */
  serviceRecovery(r: { readonly recovered: boolean; readonly rto: 'met' | 'missed' | 'none'; readonly durationSeconds: number | null; readonly timeToRecoverSeconds: number | null; readonly tenant: string; readonly service: string }): void {
    const objects: Record<string, string> = this.objectLabels ? { tenant: r.tenant, service: r.service } : {};
    this.serviceRecoveries.inc({ result: r.recovered ? 'recovered' : 'failed', rto: r.rto, ...objects });
    if (r.rto === 'missed') this.rtoMisses.inc(objects);
    if (r.durationSeconds !== null) this.recoveryDuration.observe({ rto: r.rto, ...objects }, r.durationSeconds);
    if (r.timeToRecoverSeconds !== null) this.timeToRecover.observe({ rto: r.rto, ...objects }, r.timeToRecoverSeconds);
  }

  queueJobStalled(queue: string): void {
    this.queueStalled.inc({ queue });
  }

  hypervisorCall(adapter: string, call: string, result: CallResult, seconds: number): void {
    this.hypervisorCalls.inc({ adapter, call, result });
    this.hypervisorDuration.observe({ adapter, call }, seconds);
  }

  agentAction(action: string, result: 'ok' | 'error' | 'timeout', seconds: number): void {
    this.agentActions.inc({ action, result });
    this.agentRoundTrip.observe({ action }, seconds);
  }

  /** The text exposition format, as Prometheus scrapes it. */
  async exposition(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
