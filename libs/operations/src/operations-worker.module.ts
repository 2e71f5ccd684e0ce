import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Worker } from 'bullmq';
import { FencingExecutor, NodeService } from '@haaas/management';
import type { HypervisorAdapters, SecretSealer } from '@haaas/management';
import { Store } from '@haaas/persistence';
import { JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { RedisConnections } from '@haaas/redis';
import { IncidentCommands } from '@haaas/recovery';
import { RECOVERY_OPTIONS, ServiceRunner, type ResolvedRecoveryOptions } from '@haaas/engine-runtime';
import { NODE_RESOURCE_DRIVER, type NodeResourceDriver } from '@haaas/node-actions';
import { FailbackScheduler, FailbackSchedulerOptions } from './failback.scheduler';
import type { LiveSignalPublisher } from './live/live-signals';
import { createOperationRunHandler } from './operation-run.factory';
import { OperationRunHandler } from './operation-run.handler';
import { OperationsService } from './operations.service';
import { logOperations, OperationsCore, operationsCoreProviders } from './operations-core.providers';
import { OPERATIONS_SIGNALS, OPERATIONS_WORKER_OPTIONS } from './operations.tokens';
import { ServiceWatch, ServiceWatchOptions } from './service-watch';

export interface OperationsWorkerModuleOptions {
  /** The hypervisor adapters (the same map the management and recovery modules drive). */
  readonly adapters: HypervisorAdapters;
  /** Opens fencing devices' secrets when a node is powered through them. */
  readonly sealer: SecretSealer;
  /** Operations run at once in this process (default 8). */
  readonly concurrency?: number;
  /** BullMQ lock of a running operation (default 15 s): a killed worker's operation is taken up by another after it lapses. */
  readonly lockDurationMs?: number;
  /** How long startup and reboot wait for the host to answer (default 10 min). */
  readonly bootTimeoutMs?: number;
  readonly bootPollMs?: number;
  /** Move services back to their preferred nodes (issue 4); false turns it off. */
  readonly failback?: FailbackSchedulerOptions | false;
  /** Restart or relocate services whose VMs stop on healthy nodes (by their policy); false turns it off. */
  readonly serviceWatch?: ServiceWatchOptions | false;
}

/** Starts the `operation.run` workers, failback and the service watch; stops them first on shutdown, then closes the core. */
class OperationsWorkerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private workers: Worker[] = [];

  constructor(
    @Inject(OPERATIONS_WORKER_OPTIONS) private readonly options: OperationsWorkerModuleOptions,
    @Inject(RedisConnections) private readonly connections: RedisConnections,
    @Inject(OperationRunHandler) private readonly handler: OperationRunHandler,
    @Inject(FailbackScheduler) private readonly failback: FailbackScheduler | null,
    @Inject(ServiceWatch) private readonly watch: ServiceWatch | null,
    @Inject(OperationsCore) private readonly core: OperationsCore,
  ) {}

  onApplicationBootstrap(): void {
    this.workers = startWorkers(this.connections.get('operations-worker'), [QUEUES.operations], new JobRegistry().register(this.handler), {
      concurrency: this.options.concurrency ?? 8,
      ...(this.options.lockDurationMs ? { lockDurationMs: this.options.lockDurationMs } : {}),
      log: logOperations,
    });
    this.failback?.start();
    this.watch?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    // running operations stop at a safe point and are picked up again by another worker
    await this.failback?.stop();
    await this.watch?.stop();
    await Promise.all(this.workers.map((w) => w.close()));
    await this.core.close();
  }
}

/**
 * Operations in the worker process: the `operation.run` handler and its BullMQ workers, failback
 * and the service watch. Service actions go through the process's one ServiceRunner and
 * ServiceClaims, the recovery module's, configured once there. Needs (all global) the persistence
 * module's Store, the management module's services, RedisConnections, the RecoveryModule and the
 * NodeActionsModule. Global, like the API's OperationsApiModule (a process imports one of them).
 */
@Module({})
export class OperationsWorkerModule {
  static forRoot(options: OperationsWorkerModuleOptions): DynamicModule {
    const o = options;
    return {
      module: OperationsWorkerModule,
      global: true,
      providers: [
        ...operationsCoreProviders(),
        { provide: OPERATIONS_WORKER_OPTIONS, useValue: o },
        {
          provide: OperationRunHandler,
          useFactory: (store: Store, signals: LiveSignalPublisher, nodes: NodeService, executor: FencingExecutor, runner: ServiceRunner, recovery: ResolvedRecoveryOptions, incidents: IncidentCommands) =>
            createOperationRunHandler({ store, signals, nodes, executor, adapters: o.adapters, sealer: o.sealer, runner, claimWaitMs: recovery.claimWaitMs, incidents, bootTimeoutMs: o.bootTimeoutMs ?? 10 * 60_000, bootPollMs: o.bootPollMs ?? 5000 }),
          inject: [Store, OPERATIONS_SIGNALS, NodeService, FencingExecutor, ServiceRunner, RECOVERY_OPTIONS, IncidentCommands],
        },
        {
          provide: FailbackScheduler,
          useFactory: (store: Store, operations: OperationsService) => (o.failback !== false ? new FailbackScheduler(store, operations, o.failback ?? {}) : null),
          inject: [Store, OperationsService],
        },
        {
          provide: ServiceWatch,
          useFactory: (store: Store, operations: OperationsService, nodes: NodeService, driver: NodeResourceDriver) =>
            o.serviceWatch !== false ? new ServiceWatch(store, operations, nodes, o.adapters, o.serviceWatch ?? {}, driver) : null,
          inject: [Store, OperationsService, NodeService, NODE_RESOURCE_DRIVER],
        },
        OperationsWorkerLifecycle,
      ],
      exports: [OperationsService, OPERATIONS_SIGNALS],
    };
  }
}
