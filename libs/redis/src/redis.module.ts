import { type DynamicModule, Module } from '@nestjs/common';
import { RedisConnections, type RedisConnectionsOptions } from './redis-connections';

/**
 * The owner of the process's Redis connections (RedisConnections), global so that every module
 * injects it. Import it before every module that uses it (first, or right after the logger): Nest
 * shuts global modules down in the reverse of the order it met them, so the connections close after every module that uses them has stopped
 * its workers and loops (docs/adr/0016-process-composition.md).
 */
@Module({})
export class RedisModule {
  static forRoot(options: RedisConnectionsOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: RedisConnections, useFactory: () => new RedisConnections(options) }],
      exports: [RedisConnections],
    };
  }
}
