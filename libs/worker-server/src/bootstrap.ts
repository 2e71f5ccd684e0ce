import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '@haaas/config';
import { PinoNestLogger } from '@haaas/logging';
import { HaaasMetrics } from '@haaas/metrics';
import type { DestinationStream } from 'pino';
import { WorkerMetricsRuntime } from './worker-metrics.runtime';
import { WorkerModule } from './worker.module';

/** Creates and starts the worker (engine modules start their loops and queue workers on init). */
export async function startWorker(config: AppConfig, options: { logger?: false; logDestination?: DestinationStream } = {}): Promise<INestApplicationContext> {
  const base = config.logging ?? { format: 'json' as const, level: 'info' as const };
  const logging = { ...base, ...(options.logger === false ? { level: 'silent' } : {}), ...(options.logDestination ? { destination: options.logDestination } : {}) };
  // metrics unless turned off (HAAAS_METRICS=false); a configuration built by hand records them without a listener
  const metrics = config.metrics?.enabled === false ? null : new HaaasMetrics({ process: 'worker', objectLabels: config.metrics?.objectLabels ?? false });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logging, metrics), options.logger === false ? { logger: false } : { bufferLogs: true });
  if (options.logger !== false) app.useLogger(app.get(PinoNestLogger));
  // SIGTERM/SIGINT: stop taking jobs, let running steps reach a safe point, close connections
  app.enableShutdownHooks();
  await app.init();
  new Logger('worker').log('worker started');
  return app;
}

/** Where a started worker serves /metrics, or null (metrics off, or no listener configured). */
export function workerMetricsUrl(app: INestApplicationContext): string | null {
  try {
    return app.get(WorkerMetricsRuntime).url;
  } catch {
    return null;
  }
}
