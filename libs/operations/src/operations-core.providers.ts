import { Inject, Logger, Provider } from '@nestjs/common';
import type Redis from 'ioredis';
import { Store } from '@haaas/persistence';
import { JobProducer } from '@haaas/queue';
import { RedisConnections } from '@haaas/redis';
import { LiveCommitBridge } from './live/live-commit.bridge';
import { LiveSignalPublisher } from './live/live-signals';
import { OperationsService } from './operations.service';
import { OPERATIONS_COMMANDS, OPERATIONS_PRODUCER, OPERATIONS_SIGNALS } from './operations.tokens';

const logger = new Logger('Operations');
export const logOperations = (line: string): void => logger.warn(line);

/**
 * Closes what the shared providers opened, after the module's own lifecycle has stopped its loops
 * and workers (it calls this itself: Nest runs one module's shutdown hooks at the same time).
 */
export class OperationsCore {
  constructor(
    @Inject(OPERATIONS_PRODUCER) private readonly producer: JobProducer,
    @Inject(LiveCommitBridge) private readonly bridge: LiveCommitBridge,
  ) {}

  async close(): Promise<void> {
    this.bridge.close();
    await this.producer.close();
  }
}

/**
 * What the API's and the worker's operations modules both hold: requests (OperationsService, which
 * the worker's failback and service watch submit through too), the BullMQ producer of
 * `operation.run` and the live signals on the process's `operations` connection, and the bridge
 * that wakes every replica's feeds after each commit of this process.
 */
export function operationsCoreProviders(): Provider[] {
  return [
    { provide: OPERATIONS_COMMANDS, useFactory: (connections: RedisConnections) => connections.get('operations'), inject: [RedisConnections] },
    { provide: OPERATIONS_PRODUCER, useFactory: (redis: Redis) => new JobProducer(redis), inject: [OPERATIONS_COMMANDS] },
    { provide: OPERATIONS_SIGNALS, useFactory: (redis: Redis) => new LiveSignalPublisher(redis, logOperations), inject: [OPERATIONS_COMMANDS] },
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
    OperationsService,
    OperationsCore,
  ];
}
