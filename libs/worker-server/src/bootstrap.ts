import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '@haaas/config';
import { HaaasMetrics } from '@haaas/metrics';
import { WorkerMetricsRuntime } from './worker-metrics.runtime';
import { WorkerModule } from './worker.module';

/** Creates and starts the worker (engine modules start their loops and queue workers on init). */
export async function startWorker(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplicationContext> {
  // metrics unless turned off (HAAAS_METRICS=false); a configuration built by hand records them without a listener
  const metrics = config.metrics?.enabled === false ? null : new HaaasMetrics({ process: 'worker', objectLabels: config.metrics?.objectLabels ?? false });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, metrics), {
    logger: options.logger === false ? false : ['error', 'warn', 'log'],
  });
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
