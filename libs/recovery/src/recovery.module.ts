import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { HYPERVISOR_ADAPTERS, SECRET_SEALER } from '@haaas/management';
import type { HypervisorAdapters, SecretSealer } from '@haaas/management';
import { Store } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { RedisConnections } from '@haaas/redis';
import { HeartbeatStore } from '@haaas/heartbeats';
import { IncidentCommands } from './incident.commands';
import { heartbeatLiveness, NODE_LIVENESS } from '@haaas/engine-runtime';
import type { NodeLiveness } from '@haaas/engine-runtime';
import { IncidentLedger } from './incident.ledger';
import { IncidentRecoverHandler } from './incident-recover.handler';
import { RECOVERY_OPTIONS, RECOVERY_REDIS, resolveRecoveryOptions } from '@haaas/engine-runtime';
import type { RecoveryModuleOptions, ResolvedRecoveryOptions } from '@haaas/engine-runtime';
import { RECOVERY_PRODUCER, RecoveryQueue } from './recovery.queue';
import { ServiceClaims } from '@haaas/engine-runtime';
import { ServiceRecoverHandler } from './service-recover.handler';
import { ServiceRunner } from '@haaas/engine-runtime';

/** Starts the BullMQ workers of the recovery queue once the application is up; stops them first on shutdown. */
@Injectable()
class RecoveryWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private workers: Worker[] = [];
  private readonly logger = new Logger('recovery');

  constructor(
    @Inject(RECOVERY_REDIS) private readonly redis: Redis,
    @Inject(RECOVERY_PRODUCER) private readonly producer: JobProducer,
    @Inject(RECOVERY_OPTIONS) private readonly options: ResolvedRecoveryOptions,
    private readonly incidents: IncidentRecoverHandler,
    private readonly services: ServiceRecoverHandler,
  ) {}

  onApplicationBootstrap(): void {
    // the producer's queue reports a lost Redis on every reconnect attempt: once per 10 s is enough
    let lastReport = 0;
    this.producer.queue(QUEUES.recovery).on('error', (err: Error) => {
      if (Date.now() - lastReport < 10_000) return;
      lastReport = Date.now();
      this.logger.warn(`recovery queue: ${err.message} (jobs are queued again once Redis answers)`);
    });
    if (!this.options.runWorkers) return;
    const registry = new JobRegistry().register(this.incidents).register(this.services);
    const log = (line: string): void => {
      this.options.log(line);
      this.logger.warn(line);
    };
    this.workers = startWorkers(this.redis, [QUEUES.recovery], registry, { concurrency: this.options.concurrency, lockDurationMs: this.options.lockDurationMs, stalledIntervalMs: this.options.stalledIntervalMs, log });
    this.logger.log(`recovery workers started (concurrency ${this.options.concurrency}, worker ${this.options.workerTag})`);
  }

  async onApplicationShutdown(): Promise<void> {
    // running jobs see the shutdown signal and stop at a safe point; their state is in MySQL
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers = [];
    await this.producer.close();
  }
}

export interface RecoveryModuleConfig extends RecoveryModuleOptions {
  /** The hypervisor adapters this process drives (the same map the management module got). */
  readonly adapters: HypervisorAdapters;
  /** Opens sealed fencing secrets and node credentials (the same sealer the management module got). */
  readonly sealer: SecretSealer;
  /** Which nodes were heard from lately (default: the heartbeat store, which every heartbeat source feeds). */
  readonly liveness?: NodeLiveness;
}

/**
 * Recovery of failed nodes: the `incident.recover` and `service.recover` handlers, the process's
 * one ServiceRunner and ServiceClaims (the operations worker runs its service actions through
 * them too) and the BullMQ workers of the recovery queue. Needs (all global) the persistence
 * module's Store, the management module's services, RedisConnections (its `recovery` connection)
 * and the NodeActionsModule's NODE_RESOURCE_DRIVER. Global, so the operations worker and the
 * transports inject the runner, the claims and the incident commands.
 */
@Module({})
export class RecoveryModule {
  static forRoot(config: RecoveryModuleConfig): DynamicModule {
    const resolved = resolveRecoveryOptions(config);
    return {
      module: RecoveryModule,
      global: true,
      providers: [
        { provide: RECOVERY_OPTIONS, useValue: resolved },
        // BullMQ blocks on its connection: it must wait for Redis to come back rather than fail a command
        { provide: RECOVERY_REDIS, useFactory: (connections: RedisConnections) => connections.get('recovery'), inject: [RedisConnections] },
        { provide: RECOVERY_PRODUCER, useFactory: (redis: Redis) => new JobProducer(redis), inject: [RECOVERY_REDIS] },
        // the management module keeps these two to itself: the same instances, given again
        { provide: HYPERVISOR_ADAPTERS, useValue: config.adapters },
        { provide: SECRET_SEALER, useValue: config.sealer },
        { provide: NODE_LIVENESS, useFactory: (redis: Redis) => config.liveness ?? heartbeatLiveness(new HeartbeatStore(redis)), inject: [RECOVERY_REDIS] },
        {
          provide: ServiceClaims,
          useFactory: (store: Store, o: ResolvedRecoveryOptions) => new ServiceClaims(store, { ttlMs: o.claimTtlMs, renewEveryMs: o.claimRenewMs }),
          inject: [Store, RECOVERY_OPTIONS],
        },
        ServiceRunner,
        IncidentLedger,
        RecoveryQueue,
        IncidentCommands,
        IncidentRecoverHandler,
        ServiceRecoverHandler,
        RecoveryWorkers,
      ],
      // the options too: the operations worker's service actions wait for claims as long as recovery's
      exports: [ServiceRunner, ServiceClaims, IncidentLedger, RecoveryQueue, IncidentCommands, RECOVERY_OPTIONS],
    };
  }
}
