import { DynamicModule, Module, OnApplicationShutdown } from '@nestjs/common';
import { RedisConnections } from '@haaas/redis';
import { AgentNodeResourceDriver } from './agent-resource.driver';
import { NodeActionBroker } from './node-action.broker';
import { NODE_RESOURCE_DRIVER, type NodeResourceDriver } from './node-action.types';

class NodeActionsCloser implements OnApplicationShutdown {
  constructor(private readonly broker: NodeActionBroker) {}
  async onApplicationShutdown(): Promise<void> {
    // ends the long polls and the broker's subscriber; the command connection is RedisConnections'
    await this.broker.close();
  }
}

/**
 * Node actions, one broker per process on its `node-actions` connection (lazy: an API that never
 * served an agent never connects): the NodeActionBroker of the agent transport's long poll and
 * result endpoints (the API), and the NODE_RESOURCE_DRIVER through which recovery and operations
 * carry out IP, APPLICATION and VOLUME resources (the worker). Global; needs RedisConnections.
 */
export interface NodeActionsModuleOptions {
  /** The driver as the process uses it, e.g. with its round trips timed (the worker's metrics). */
  readonly wrapDriver?: (driver: NodeResourceDriver) => NodeResourceDriver;
}

@Module({})
export class NodeActionsModule {
  static forRoot(options: NodeActionsModuleOptions = {}): DynamicModule {
    const wrap = options.wrapDriver ?? ((driver: NodeResourceDriver) => driver);
    return {
      module: NodeActionsModule,
      global: true,
      providers: [
        { provide: NodeActionBroker, useFactory: (connections: RedisConnections) => new NodeActionBroker(connections.get('node-actions')), inject: [RedisConnections] },
        { provide: NODE_RESOURCE_DRIVER, useFactory: (broker: NodeActionBroker) => wrap(new AgentNodeResourceDriver(broker)), inject: [NodeActionBroker] },
        NodeActionsCloser,
      ],
      exports: [NodeActionBroker, NODE_RESOURCE_DRIVER],
    };
  }
}
