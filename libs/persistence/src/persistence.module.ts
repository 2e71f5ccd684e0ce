import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseOptions, openDataSource } from './data-source';
import { Store } from './store';

const DATA_SOURCE = Symbol('DATA_SOURCE');

class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Provides the Store (and nothing of TypeORM itself) to the rest of the application. */
@Module({})
export class PersistenceModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        {
          provide: DATA_SOURCE,
          useFactory: async () => {
            return openDataSource(options);
          },
        },
        {
          provide: Store,
          useFactory: (ds: DataSource) => {
            const logger = new Logger('Store');
            return new Store(ds, { log: (line) => logger.warn(line) });
          },
          inject: [DATA_SOURCE],
        },
        DataSourceCloser,
      ],
      exports: [Store],
    };
  }
}
