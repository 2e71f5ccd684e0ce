import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '@haaas/config';
import { WorkerModule } from './worker.module';

/** Creates and starts the worker (engine modules start their loops and queue workers on init). */
export async function startWorker(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: options.logger === false ? false : ['error', 'warn', 'log'],
  });
  // SIGTERM/SIGINT: stop taking jobs, let running steps reach a safe point, close connections
  app.enableShutdownHooks();
  await app.init();
  new Logger('worker').log('worker started');
  return app;
}
