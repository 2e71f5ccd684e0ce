import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { Store } from '@haaas/persistence';
import { RedisConnections } from '@haaas/redis';
import { DetectorViewReader } from '@haaas/detector';
import { HeartbeatStore } from '@haaas/heartbeats';
import { heartbeatLiveness } from '@haaas/engine-runtime';
import { FailoverPlanService } from './failover-plan.service';
import { IncidentsService } from './incidents.service';
import { ClusterEventFeed } from './live/cluster-event.feed';
import { LiveSignalListener } from './live/live-signals';
import { OperationFeed } from './live/operation.feed';
import { OperationsService } from './operations.service';
import { logOperations, OperationsCore, operationsCoreProviders } from './operations-core.providers';
import { OPERATIONS_COMMANDS, OPERATIONS_LISTENER, OPERATIONS_SIGNALS, PLAN_SOURCES } from './operations.tokens';

export interface OperationsApiModuleOptions {
  /** Fallback poll of each live feed (default 2 s; wake-ups over Redis make them prompt). */
  readonly livePollMs?: number;
}

class OperationsApiLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(ClusterEventFeed) private readonly events: ClusterEventFeed,
    @Inject(OperationFeed) private readonly operations: OperationFeed,
    @Inject(OperationsCore) private readonly core: OperationsCore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.events.close();
    this.operations.close();
    await this.core.close();
  }
}

/**
 * Operations in the API process: requests, queries, the dry run, incidents and the live feeds of
 * subscriptions (a subscriber on the process's `live` connection). Runs no operation (the worker's
 * OperationsWorkerModule does). Global, so the transports inject its services. Needs the
 * persistence module's Store and RedisConnections (both global).
 */
@Module({})
export class OperationsApiModule {
  static forRoot(options: OperationsApiModuleOptions = {}): DynamicModule {
    const pollMs = options.livePollMs ?? 2000;
    return {
      module: OperationsApiModule,
      global: true,
      providers: [
        ...operationsCoreProviders(),
        { provide: OPERATIONS_LISTENER, useFactory: (connections: RedisConnections) => new LiveSignalListener(connections.get('live'), logOperations), inject: [RedisConnections] },
        { provide: ClusterEventFeed, useFactory: (store: Store, listener: LiveSignalListener) => new ClusterEventFeed(store, listener, { pollMs, log: logOperations }), inject: [Store, OPERATIONS_LISTENER] },
        { provide: OperationFeed, useFactory: (store: Store, listener: LiveSignalListener) => new OperationFeed(store, listener, { pollMs, log: logOperations }), inject: [Store, OPERATIONS_LISTENER] },
        // the detector's and the heartbeats' keys live on the same Redis as the queues (one config.redis.url)
        { provide: DetectorViewReader, useFactory: (redis: Redis) => new DetectorViewReader(redis), inject: [OPERATIONS_COMMANDS] },
        { provide: PLAN_SOURCES, useFactory: (redis: Redis, detector: DetectorViewReader) => ({ liveness: heartbeatLiveness(new HeartbeatStore(redis)), detector }), inject: [OPERATIONS_COMMANDS, DetectorViewReader] },
        FailoverPlanService,
        IncidentsService,
        OperationsApiLifecycle,
      ],
      exports: [OperationsService, FailoverPlanService, IncidentsService, ClusterEventFeed, OperationFeed, OPERATIONS_SIGNALS, DetectorViewReader],
    };
  }
}
