import { connectRedis } from '@haaas/config';
import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { HYPERVISOR_ADAPTERS, HypervisorAdapters, NodeService } from '@haaas/management';
import { Store } from '@haaas/persistence';
import { JobProducer } from '@haaas/queue';
import { HeartbeatStore } from '@haaas/heartbeats';
import { DETECTOR_ADAPTERS, DETECTOR_OPTIONS, DETECTOR_REDIS, DetectorModuleOptions, DetectorSettings, resolveDetectorSettings } from './detector.options';
import { FailureDetector } from './failure-detector';
import { FailureReportService, FailureReportOptions } from './failure-report.service';

const DETECTOR_PRODUCER = Symbol('DETECTOR_PRODUCER');
const OWNS_REDIS = Symbol('DETECTOR_OWNS_REDIS');
const AUTO_START = Symbol('DETECTOR_AUTO_START');

/** Starts the detector when the application has booted; on shutdown stops it (releasing the lease) and closes what it opened. */
@Injectable()
class DetectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(FailureDetector) private readonly detector: FailureDetector,
    @Inject(DETECTOR_PRODUCER) private readonly producer: JobProducer,
    @Inject(DETECTOR_REDIS) private readonly redis: Redis,
    @Inject(OWNS_REDIS) private readonly ownsRedis: boolean,
    @Inject(AUTO_START) private readonly autoStart: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.autoStart) this.detector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.detector.stop();
    await this.producer.close();
    if (this.ownsRedis) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function redisProvider(options: { readonly redis?: Redis; readonly redisUrl?: string }, connectionName: string) {
  return {
    provide: DETECTOR_REDIS,
    // a connection of its own, failing fast: a slow Redis must cost a tick, not hang the loop
    useFactory: () => {
      if (options.redis) return options.redis;
      const redis = connectRedis(options.redisUrl ?? '', { maxRetriesPerRequest: 1, commandTimeout: 3000, connectionName });
      // ioredis reconnects by itself; without a listener it prints every failed attempt
      const logger = new Logger(connectionName);
      let last = -Infinity;
      redis.on('error', (err: Error) => {
        if (performance.now() - last < 60_000) return;
        last = performance.now();
        logger.warn(`Redis: ${err.message} (reconnecting)`);
      });
      return redis;
    },
  };
}

/**
 * The failure detector, for the worker: every worker runs one, the lease makes one of them detect.
 * Needs the persistence module's Store, the management module's NodeService and the heartbeats
 * module's HeartbeatStore (all global).
 */
@Module({})
export class DetectorModule {
  static forRoot(options: DetectorModuleOptions): DynamicModule {
    if (!options.redis && !options.redisUrl) throw new Error('DetectorModule: give redisUrl or redis');
    const settings = resolveDetectorSettings(options);
    return {
      module: DetectorModule,
      providers: [
        { provide: DETECTOR_OPTIONS, useValue: settings },
        { provide: OWNS_REDIS, useValue: !options.redis },
        { provide: AUTO_START, useValue: options.autoStart ?? true },
        redisProvider(options, 'haaas-detector'),
        {
          provide: DETECTOR_ADAPTERS,
          useFactory: (fromManagement?: HypervisorAdapters) => {
            const adapters = options.adapters ?? fromManagement;
            if (!adapters) throw new Error('DetectorModule: no hypervisor adapters (give `adapters`, or have the management module export HYPERVISOR_ADAPTERS)');
            return adapters;
          },
          inject: [{ token: HYPERVISOR_ADAPTERS, optional: true }],
        },
        { provide: DETECTOR_PRODUCER, useFactory: (redis: Redis) => new JobProducer(redis), inject: [DETECTOR_REDIS] },
        {
          provide: FailureDetector,
          useFactory: (store: Store, heartbeats: HeartbeatStore, nodes: NodeService, adapters: HypervisorAdapters, redis: Redis, producer: JobProducer, s: DetectorSettings) =>
            new FailureDetector({ store, heartbeats, nodes, adapters, redis, producer, logger: new Logger('FailureDetector') }, s),
          inject: [Store, HeartbeatStore, NodeService, DETECTOR_ADAPTERS, DETECTOR_REDIS, DETECTOR_PRODUCER, DETECTOR_OPTIONS],
        },
        DetectorLifecycle,
      ],
      exports: [FailureDetector],
    };
  }
}

@Injectable()
class ReportsRedisCloser implements OnApplicationShutdown {
  constructor(
    @Inject(DETECTOR_REDIS) private readonly redis: Redis,
    @Inject(OWNS_REDIS) private readonly owned: boolean,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Failure reports of external monitors, for the API that serves `reportNodeFailure`: global, so the
 * GraphQL transport injects FailureReportService. Needs the persistence module's Store (global).
 */
@Module({})
export class FailureReportsModule {
  static forRoot(options: FailureReportOptions & { readonly redisUrl?: string; readonly redis?: Redis }): DynamicModule {
    if (!options.redis && !options.redisUrl) throw new Error('FailureReportsModule: give redisUrl or redis');
    return {
      module: FailureReportsModule,
      global: true,
      providers: [
        { provide: OWNS_REDIS, useValue: !options.redis },
        redisProvider(options, 'haaas-failure-reports'),
        {
          provide: FailureReportService,
          useFactory: (store: Store, redis: Redis) => new FailureReportService(store, redis, options),
          inject: [Store, DETECTOR_REDIS],
        },
        ReportsRedisCloser,
      ],
      exports: [FailureReportService],
    };
  }
}
