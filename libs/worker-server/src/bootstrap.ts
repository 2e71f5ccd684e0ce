import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '@haaas/config';
import { PinoNestLogger } from '@haaas/logging';
import type { DestinationStream } from 'pino';
import { WorkerModule } from './worker.module';

/** Creates and starts the worker (engine modules start their loops and queue workers on init). */
export async function startWorker(config: AppConfig, options: { logger?: false; logDestination?: DestinationStream } = {}): Promise<INestApplicationContext> {
  const base = config.logging ?? { format: 'json' as const, level: 'info' as const };
  const logging = { ...base, ...(options.logger === false ? { level: 'silent' } : {}), ...(options.logDestination ? { destination: options.logDestination } : {}) };
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logging), options.logger === false ? { logger: false } : { bufferLogs: true });
  if (options.logger !== false) app.useLogger(app.get(PinoNestLogger));
  // SIGTERM/SIGINT: stop taking jobs, let running steps reach a safe point, close connections
  app.enableShutdownHooks();
  await app.init();
  new Logger('worker').log('worker started');
  return app;
}
