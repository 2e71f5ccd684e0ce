import { connectRedis } from '@haaas/config';
import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { HYPERVISOR_ADAPTERS, SECRET_SEALER } from '@haaas/management';
import type { HypervisorAdapters, SecretSealer } from '@haaas/management';
import { Store } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { createAgentNodeResourceDriver } from '@haaas/node-actions';
import { NODE_RESOURCE_DRIVER } from '@haaas/node-actions';
import type { NodeResourceDriver } from '@haaas/node-actions';
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

const OWNS_REDIS = Symbol('RECOVERY_OWNS_REDIS');
const NODE_ACTIONS = Symbol('RECOVERY_NODE_ACTIONS');

/** The node agents' side of IP, APPLICATION and VOLUME resources: the caller's driver, or one on a connection of its own (lazy). */
function nodeActionsLink(config: RecoveryModuleConfig): { readonly driver: NodeResourceDriver; close(): Promise<void> } {
  if (config.nodeResources) return { driver: config.nodeResources, close: async () => undefined };
  return createAgentNodeResourceDriver(config.redis ? { redis: config.redis } : { redisUrl: config.redisUrl ?? '' });
}

class NodeActionsCloser implements OnApplicationShutdown {
  constructor(@Inject(NODE_ACTIONS) private readonly link: { close(): Promise<void> }) {}
  onApplicationShutdown(): Promise<void> {
    return this.link.close();
  }
}

/** Starts the BullMQ workers of the recovery queue once the application is up; stops them first on shutdown. */
@Injectable()
class RecoveryWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private workers: Worker[] = [];
  private readonly logger = new Logger('recovery');

  constructor(
    @Inject(RECOVERY_REDIS) private readonly redis: Redis,
    @Inject(OWNS_REDIS) private readonly ownsRedis: boolean,
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
    if (this.ownsRedis) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export interface RecoveryModuleConfig extends RecoveryModuleOptions {
  /** The hypervisor adapters this process drives (the same map the management module got). */
  readonly adapters: HypervisorAdapters;
  /** Opens sealed fencing secrets and node credentials (the same sealer the management module got). */
  readonly sealer: SecretSealer;
  /** Carries out IP, APPLICATION and VOLUME resources (default: through the node agents, on this Redis). */
  readonly nodeResources?: NodeResourceDriver;
  /** Which nodes were heard from lately (default: the heartbeat store on this Redis, which every heartbeat source feeds). */
  readonly liveness?: NodeLiveness;
}

/**
 * Recovery of failed nodes: the `incident.recover` and `service.recover` handlers, the
 * ServiceRunner (also for the operations engine) and the BullMQ workers of the recovery queue.
 * Needs the persistence module's Store and the management module's services (both global).
 * Global, so the operations engine and transports inject the runner and the incident commands.
 */
@Module({})
export class RecoveryModule {
  static forRoot(config: RecoveryModuleConfig): DynamicModule {
    if (!config.redis && !config.redisUrl) throw new Error('RecoveryModule: give redisUrl or redis');
    const resolved = resolveRecoveryOptions(config);
    return {
      module: RecoveryModule,
      global: true,
      providers: [
        { provide: RECOVERY_OPTIONS, useValue: resolved },
        { provide: OWNS_REDIS, useValue: !config.redis },
        // BullMQ blocks on its connection: it must wait for Redis to come back rather than fail a command
        { provide: RECOVERY_REDIS, useFactory: () => config.redis ?? connectRedis(config.redisUrl ?? '', { maxRetriesPerRequest: null, connectionName: 'haaas-recovery' }) },
        { provide: RECOVERY_PRODUCER, useFactory: (redis: Redis) => new JobProducer(redis), inject: [RECOVERY_REDIS] },
        // the management module keeps these two to itself: the same instances, given again
        { provide: HYPERVISOR_ADAPTERS, useValue: config.adapters },
        { provide: SECRET_SEALER, useValue: config.sealer },
        { provide: NODE_ACTIONS, useFactory: () => nodeActionsLink(config) },
        { provide: NODE_RESOURCE_DRIVER, useFactory: (link: { driver: NodeResourceDriver }) => link.driver, inject: [NODE_ACTIONS] },
        NodeActionsCloser,
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
      // the driver too: the operations engine builds its own runner and needs the same one
      exports: [ServiceRunner, ServiceClaims, IncidentLedger, RecoveryQueue, IncidentCommands, NODE_RESOURCE_DRIVER],
    };
  }
}
