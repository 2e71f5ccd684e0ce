import { connectRedis } from '@haaas/config';
import { DynamicModule, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { FencingExecutor, NodeService } from '@haaas/management';
import type { HypervisorAdapters, SecretSealer } from '@haaas/management';
import { Store } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { IncidentCommands } from '../recovery/incident.commands';
import { IncidentLedger } from '../recovery/incident.ledger';
import { resolveRecoveryOptions } from '@haaas/engine-runtime';
import { RecoveryQueue } from '../recovery/recovery.queue';
import { IncidentOperations } from './incident.operations';
import { ServiceClaims } from '@haaas/engine-runtime';
import { ServiceRunner } from '@haaas/engine-runtime';
import { ClusterOperations } from './cluster.operations';
import { FailbackScheduler, FailbackSchedulerOptions } from './failback.scheduler';
import { ServiceWatch, ServiceWatchOptions } from './service-watch';
import { FailoverPlanService } from './failover-plan.service';
import { IncidentsService } from './incidents.service';
import { ClusterEventFeed } from './live/cluster-event.feed';
import { LiveCommitBridge } from './live/live-commit.bridge';
import { LiveSignalListener, LiveSignalPublisher } from './live/live-signals';
import { OperationFeed } from './live/operation.feed';
import { NodeOperations } from './node.operations';
import { NodePower } from './node-power';
import { OperationRunHandler } from './operation-run.handler';
import { OperationsService } from './operations.service';
import { OPERATIONS_LISTENER, OPERATIONS_OPTIONS, OPERATIONS_PRODUCER, OPERATIONS_SIGNALS, PLAN_SOURCES } from './operations.tokens';
import { DetectorViewReader } from '@haaas/detector';
import { HeartbeatStore } from '@haaas/heartbeats';
import { heartbeatLiveness, type NodeLiveness } from '@haaas/engine-runtime';
import type { PlanSources } from './failover-plan.service';
import { RunnerServiceActions } from './runner-service-actions';
import { ServiceOperations } from './service.operations';
import { AgentNodeResourceDriver } from '@haaas/node-actions';
import { NodeActionBroker } from '@haaas/node-actions';
import { NODE_RESOURCE_DRIVER } from '@haaas/node-actions';
import type { NodeResourceDriver } from '@haaas/node-actions';

export interface OperationsModuleOptions {
  /** redis:// URL of the queues and of the live wake-ups (this module opens its own connections). */
  readonly redisUrl: string;
  /** The hypervisor adapters (the same map the management module drives). */
  readonly adapters: HypervisorAdapters;
  /** Opens fencing devices' secrets when a node is powered through them. */
  readonly sealer: SecretSealer;
  /** Run `operation.run` jobs in this process (the worker; default false). */
  readonly runWorkers?: boolean;
  /** Serve the live feeds of subscriptions (the API; default true). */
  readonly live?: boolean;
  /** Operations run at once in this process (default 8). */
  readonly concurrency?: number;
  /** BullMQ lock of a running operation (default 15 s): a killed worker's operation is taken up by another after it lapses. */
  readonly lockDurationMs?: number;
  /** Fallback poll of each live feed (default 2 s; wake-ups over Redis make them prompt). */
  readonly livePollMs?: number;
  /** How long an operation waits for a recovery's claim on a service (default 60 s). */
  readonly claimWaitMs?: number;
  /** How long startup and reboot wait for the host to answer (default 10 min). */
  readonly bootTimeoutMs?: number;
  readonly bootPollMs?: number;
  /** Move services back to their preferred nodes (issue 4), in worker mode only; false turns it off. */
  readonly failback?: FailbackSchedulerOptions | false;
  /** Restart or relocate services whose VMs stop on healthy nodes (by their policy), in worker mode only; false turns it off. */
  readonly serviceWatch?: ServiceWatchOptions | false;
}

type ResolvedOptions = Required<Pick<OperationsModuleOptions, 'runWorkers' | 'live' | 'concurrency' | 'livePollMs' | 'claimWaitMs' | 'bootTimeoutMs' | 'bootPollMs'>> & OperationsModuleOptions;

const COMMANDS = Symbol('OPERATIONS_REDIS_COMMANDS');
const SUBSCRIBER = Symbol('OPERATIONS_REDIS_SUBSCRIBER');
const WORKER_REDIS = Symbol('OPERATIONS_REDIS_WORKER');
const logger = new Logger('Operations');
const log = (line: string): void => logger.warn(line);

export interface OperationRunDeps {
  readonly store: Store;
  readonly signals: LiveSignalPublisher;
  readonly nodes: NodeService;
  readonly executor: FencingExecutor;
  readonly adapters: HypervisorAdapters;
  readonly sealer: SecretSealer;
  /** Carries out the services' IP, APPLICATION and VOLUME resources (the recovery module's, through the node agents). */
  readonly nodeResources: NodeResourceDriver;
  readonly claimWaitMs?: number;
  readonly bootTimeoutMs?: number;
  readonly bootPollMs?: number;
  /** The incidents' commands (the recovery module's when the process has one); else built on `producer`. */
  readonly incidents?: IncidentCommands;
  /** Queues recovery jobs when no IncidentCommands are given (the same Redis as the recovery workers). */
  readonly producer?: JobProducer;
  /** Which nodes were heard from, for the ledger built on `producer` (placement never targets a silent node). */
  readonly liveness?: NodeLiveness;
}

/**
 * The `operation.run` handler with its executors: service actions through the recovery engine's
 * ServiceRunner (its own claims, same rules as recovery), node power through NodePower.
 */
export function createOperationRunHandler(d: OperationRunDeps): OperationRunHandler {
  const claimWaitMs = d.claimWaitMs ?? 60_000;
  const claims = new ServiceClaims(d.store, { ttlMs: 30_000, renewEveryMs: 10_000 });
  const runner = new ServiceRunner(d.store, claims, d.nodes, d.adapters, resolveRecoveryOptions({ claimWaitMs }), d.nodeResources);
  const actions = new RunnerServiceActions(d.store, runner, { claimWaitMs });
  const services = new ServiceOperations(d.store, actions);
  const power = new NodePower(d.store, d.nodes, d.adapters, d.executor, d.sealer);
  const incidents = d.incidents ?? (d.producer && d.liveness ? new IncidentCommands(new IncidentLedger(d.store, resolveRecoveryOptions({}), d.liveness), new RecoveryQueue(d.producer)) : null);
  return new OperationRunHandler(
    d.store,
    d.signals,
    new ClusterOperations(d.store, d.signals, services),
    new NodeOperations(d.store, d.nodes, power, actions, { ...(d.bootTimeoutMs ? { bootTimeoutMs: d.bootTimeoutMs } : {}), ...(d.bootPollMs ? { bootPollMs: d.bootPollMs } : {}) }),
    services,
    new IncidentOperations(d.store, incidents),
  );
}

/** Starts the queue workers of this process (worker mode) and closes every connection on shutdown. */
/**
 * The node resource driver of operations: the recovery module's when the application has one (the
 * worker), else one of its own on this module's Redis, through the same node agents.
 */
class OperationNodeResources implements OnApplicationShutdown {
  readonly driver: NodeResourceDriver;
  private readonly own: NodeActionBroker | null;

  constructor(recovery: NodeResourceDriver | null, commands: Redis) {
    this.own = recovery ? null : new NodeActionBroker(commands);
    this.driver = recovery ?? new AgentNodeResourceDriver(this.own as NodeActionBroker);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.own?.close();
  }
}

class OperationsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private workers: Worker[] = [];

  constructor(
    @Inject(OPERATIONS_OPTIONS) private readonly options: ResolvedOptions,
    @Inject(OPERATIONS_PRODUCER) private readonly producer: JobProducer,
    @Inject(COMMANDS) private readonly commands: Redis,
    @Inject(SUBSCRIBER) private readonly subscriber: Redis | null,
    @Inject(WORKER_REDIS) private readonly workerRedis: Redis | null,
    @Inject(OperationRunHandler) private readonly handler: OperationRunHandler | null,
    @Inject(ClusterEventFeed) private readonly events: ClusterEventFeed | null,
    @Inject(OperationFeed) private readonly operations: OperationFeed | null,
    @Inject(FailbackScheduler) private readonly failback: FailbackScheduler | null,
    @Inject(ServiceWatch) private readonly watch: ServiceWatch | null,
    @Inject(LiveCommitBridge) private readonly bridge: LiveCommitBridge,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.runWorkers || !this.workerRedis || !this.handler) return;
    const registry = new JobRegistry().register(this.handler);
    this.workers = startWorkers(this.workerRedis, [QUEUES.operations], registry, {
      concurrency: this.options.concurrency,
      ...(this.options.lockDurationMs ? { lockDurationMs: this.options.lockDurationMs } : {}),
      log,
    });
    this.failback?.start();
    this.watch?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    // running operations stop at a safe point and are picked up again by another worker
    await this.failback?.stop();
    await this.watch?.stop();
    await Promise.all(this.workers.map((w) => w.close()));
    this.bridge.close();
    this.events?.close();
    this.operations?.close();
    await this.producer.close();
    for (const r of [this.commands, this.subscriber, this.workerRedis]) if (r) await r.quit().catch(() => r.disconnect());
  }
}

/**
 * The seed's actions as Operations (API: requests, queries, the dry run, incidents, live feeds;
 * worker: the `operation.run` handler), global so the transports inject its services. Needs the
 * persistence module's Store and the management module's services (both global).
 */
@Module({})
export class OperationsModule {
  static forRoot(options: OperationsModuleOptions): DynamicModule {
    const o: ResolvedOptions = {
      ...options,
      runWorkers: options.runWorkers ?? false,
      live: options.live ?? true,
      concurrency: options.concurrency ?? 8,
      livePollMs: options.livePollMs ?? 2000,
      claimWaitMs: options.claimWaitMs ?? 60_000,
      bootTimeoutMs: options.bootTimeoutMs ?? 10 * 60_000,
      bootPollMs: options.bootPollMs ?? 5000,
    };
    const providers: Provider[] = [
      { provide: OPERATIONS_OPTIONS, useValue: o },
      // commands and BullMQ's producer: a request fails after a few tries instead of hanging on a lost Redis
      { provide: COMMANDS, useFactory: () => connectRedis(o.redisUrl, { maxRetriesPerRequest: 3, connectionName: 'haaas-operations' }) },
      { provide: SUBSCRIBER, useFactory: () => (o.live ? connectRedis(o.redisUrl, { connectionName: 'haaas-live' }) : null) },
      // BullMQ workers block on Redis: their connection must never give up on a command
      { provide: WORKER_REDIS, useFactory: () => (o.runWorkers ? connectRedis(o.redisUrl, { maxRetriesPerRequest: null, connectionName: 'haaas-operations-worker' }) : null) },
      { provide: OPERATIONS_PRODUCER, useFactory: (redis: Redis) => new JobProducer(redis), inject: [COMMANDS] },
      { provide: OPERATIONS_SIGNALS, useFactory: (redis: Redis) => new LiveSignalPublisher(redis, log), inject: [COMMANDS] },
      {
        // every committed event of this process wakes its cluster's feeds on every replica
        provide: LiveCommitBridge,
        useFactory: (store: Store, signals: LiveSignalPublisher) => {
          const bridge = new LiveCommitBridge(store, signals);
          bridge.start();
          return bridge;
        },
        inject: [Store, OPERATIONS_SIGNALS],
      },
      { provide: OPERATIONS_LISTENER, useFactory: (redis: Redis | null) => (redis ? new LiveSignalListener(redis, log) : null), inject: [SUBSCRIBER] },
      {
        provide: ClusterEventFeed,
        useFactory: (store: Store, listener: LiveSignalListener | null) => (listener ? new ClusterEventFeed(store, listener, { pollMs: o.livePollMs, log }) : null),
        inject: [Store, OPERATIONS_LISTENER],
      },
      {
        provide: OperationFeed,
        useFactory: (store: Store, listener: LiveSignalListener | null) => (listener ? new OperationFeed(store, listener, { pollMs: o.livePollMs, log }) : null),
        inject: [Store, OPERATIONS_LISTENER],
      },
      OperationsService,
      // the detector's and the heartbeats' keys live on the same Redis as the queues (one config.redis.url)
      { provide: DetectorViewReader, useFactory: (redis: Redis) => new DetectorViewReader(redis), inject: [COMMANDS] },
      { provide: PLAN_SOURCES, useFactory: (redis: Redis, detector: DetectorViewReader) => ({ liveness: heartbeatLiveness(new HeartbeatStore(redis)), detector }), inject: [COMMANDS, DetectorViewReader] },
      FailoverPlanService,
      IncidentsService,
      {
        provide: OperationRunHandler,
        useFactory: (store: Store, signals: LiveSignalPublisher, nodes: NodeService, executor: FencingExecutor, resources: OperationNodeResources, producer: JobProducer, sources: PlanSources, incidents: IncidentCommands | null) =>
          o.runWorkers
            ? createOperationRunHandler({ store, signals, nodes, executor, adapters: o.adapters, sealer: o.sealer, nodeResources: resources.driver, claimWaitMs: o.claimWaitMs, bootTimeoutMs: o.bootTimeoutMs, bootPollMs: o.bootPollMs, producer, ...(sources.liveness ? { liveness: sources.liveness } : {}), ...(incidents ? { incidents } : {}) })
            : null,
        inject: [Store, OPERATIONS_SIGNALS, NodeService, FencingExecutor, OperationNodeResources, OPERATIONS_PRODUCER, PLAN_SOURCES, { token: IncidentCommands, optional: true }],
      },
      {
        provide: OperationNodeResources,
        useFactory: (recovery: NodeResourceDriver | null, commands: Redis) => new OperationNodeResources(recovery, commands),
        inject: [{ token: NODE_RESOURCE_DRIVER, optional: true }, COMMANDS],
      },
      {
        provide: FailbackScheduler,
        useFactory: (store: Store, operations: OperationsService) => (o.runWorkers && o.failback !== false ? new FailbackScheduler(store, operations, o.failback ?? {}) : null),
        inject: [Store, OperationsService],
      },
      {
        provide: ServiceWatch,
        useFactory: (store: Store, operations: OperationsService, nodes: NodeService, resources: OperationNodeResources) =>
          o.runWorkers && o.serviceWatch !== false ? new ServiceWatch(store, operations, nodes, o.adapters, o.serviceWatch ?? {}, resources.driver) : null,
        inject: [Store, OperationsService, NodeService, OperationNodeResources],
      },
      OperationsLifecycle,
    ];
    return {
      module: OperationsModule,
      global: true,
      providers,
      exports: [OperationsService, FailoverPlanService, IncidentsService, ClusterEventFeed, OperationFeed, OPERATIONS_SIGNALS, DetectorViewReader],
    };
  }
}
