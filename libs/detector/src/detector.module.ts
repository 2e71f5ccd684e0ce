import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { HYPERVISOR_ADAPTERS, HypervisorAdapters, NodeService } from '@haaas/management';
import { Store } from '@haaas/persistence';
import { JobProducer } from '@haaas/queue';
import { RedisConnections } from '@haaas/redis';
import { HeartbeatStore } from '@haaas/heartbeats';
import { DETECTOR_ADAPTERS, DETECTOR_OPTIONS, DETECTOR_REDIS, DetectorModuleOptions, DetectorSettings, resolveDetectorSettings } from './detector.options';
import { FailureDetector } from './failure-detector';
import { FailureReportService, FailureReportOptions } from './failure-report.service';

const DETECTOR_PRODUCER = Symbol('DETECTOR_PRODUCER');
const AUTO_START = Symbol('DETECTOR_AUTO_START');

/** Starts the detector when the application has booted; on shutdown stops it (releasing the lease) and closes what it opened. */
@Injectable()
class DetectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(FailureDetector) private readonly detector: FailureDetector,
    @Inject(DETECTOR_PRODUCER) private readonly producer: JobProducer,
    @Inject(AUTO_START) private readonly autoStart: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.autoStart) this.detector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.detector.stop();
    await this.producer.close();
  }
}

/** A connection of the process's (RedisConnections), failing fast: a slow Redis must cost a tick, not hang the loop. */
function redisProvider(purpose: 'detector' | 'failure-reports') {
  return { provide: DETECTOR_REDIS, useFactory: (connections: RedisConnections) => connections.get(purpose), inject: [RedisConnections] };
}

/**
 * The failure detector, for the worker: every worker runs one, the lease makes one of them detect.
 * Needs the persistence module's Store, the management module's NodeService and the heartbeats
 * module's HeartbeatStore (all global).
 */
@Module({})
export class DetectorModule {
  static forRoot(options: DetectorModuleOptions): DynamicModule {
    const settings = resolveDetectorSettings(options);
    return {
      module: DetectorModule,
      providers: [
        { provide: DETECTOR_OPTIONS, useValue: settings },
        { provide: AUTO_START, useValue: options.autoStart ?? true },
        redisProvider('detector'),
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

/**
 * Failure reports of external monitors, for the API that serves `reportNodeFailure`: global, so the
 * GraphQL transport injects FailureReportService. Needs the persistence module's Store (global).
 */
@Module({})
export class FailureReportsModule {
  static forRoot(options: FailureReportOptions = {}): DynamicModule {
    return {
      module: FailureReportsModule,
      global: true,
      providers: [
        redisProvider('failure-reports'),
        {
          provide: FailureReportService,
          useFactory: (store: Store, redis: Redis) => new FailureReportService(store, redis, options),
          inject: [Store, DETECTOR_REDIS],
        },
      ],
      exports: [FailureReportService],
    };
  }
}
