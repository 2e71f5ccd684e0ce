import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { MetricsConfig } from '@haaas/config';
import { FailureDetector } from '@haaas/detector';
import { IncidentState, isTerminal, SystemActor, systemScope } from '@haaas/domain';
import { eventMetricsObserver, HaaasMetrics, instrumentDetector, type MetricsServer, type QueueMetrics, startMetricsServer, watchQueues } from '@haaas/metrics';
import { Store } from '@haaas/persistence';
import { QUEUES } from '@haaas/queue';
import { RedisConnections } from '@haaas/redis';

export const WORKER_METRICS_CONFIG = Symbol('WORKER_METRICS_CONFIG');

const METRICS_SCOPE = systemScope('system', SystemActor.Metrics);
const CLOSED_INCIDENT_STATES = Object.values(IncidentState).filter((s) => isTerminal(s));

/**
 * The worker's metrics: the engine observed from outside (committed events, the detector's passes,
 * the adapters' calls wrapped in the module), counts read from MySQL and BullMQ when scraped, and
 * the worker's own listener for /metrics (it has no HTTP server otherwise).
 */
@Injectable()
export class WorkerMetricsRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: MetricsServer | null = null;
  private queues: QueueMetrics | null = null;
  private stopObserving: (() => void) | null = null;

  constructor(
    private readonly metrics: HaaasMetrics,
    @Inject(WORKER_METRICS_CONFIG) private readonly config: MetricsConfig | null,
    private readonly connections: RedisConnections,
    @Inject(Store) private readonly store: Store,
    @Optional() @Inject(FailureDetector) private readonly detector: FailureDetector | null,
  ) {}

  /** Where the worker serves /metrics (null when it does not listen). */
  get url(): string | null {
    return this.server?.url ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.stopObserving = this.store.observeCommits(eventMetricsObserver(this.metrics));
    if (this.detector) instrumentDetector(this.detector, this.metrics);
    this.metrics.readSourcesFrom({ states: () => this.store.repos.tenants.stateCounts(METRICS_SCOPE, CLOSED_INCIDENT_STATES) });
    this.queues = watchQueues(this.metrics, Object.values(QUEUES), () => this.connections.dedicated('metrics'));
    if (this.config) {
      this.server = await startMetricsServer(this.metrics, { host: this.config.workerHost, port: this.config.workerPort, ...(this.config.token ? { token: this.config.token } : {}) });
      new Logger('worker').log(`metrics at ${this.server.url}/metrics`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopObserving?.();
    await this.server?.close();
    await this.queues?.close();
  }
}
