import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { installAgentFastPath } from '@haaas/agent-api';
import type { AppConfig } from '@haaas/config';
import { PinoNestLogger } from '@haaas/logging';
import type { DestinationStream } from 'pino';
import { AppModule, loggingOf } from './app.module';

export interface ProcessLogOptions {
  /** false: no log lines at all (most tests). */
  readonly logger?: false;
  /** Where the JSON lines go instead of stdout (tests that read them). */
  readonly logDestination?: DestinationStream;
}

/** Creates the API application (not yet listening): used by `main.ts`, `npm start` and the tests. */
export async function createApiApp(config: AppConfig, options: ProcessLogOptions = {}): Promise<INestApplication> {
  const logging = { ...loggingOf(config), ...(options.logger === false ? { level: 'silent' } : {}), ...(options.logDestination ? { destination: options.logDestination } : {}) };
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logging), options.logger === false ? { logger: false } : { bufferLogs: true });
  // Nest's Logger (the framework's and ours) writes through pino from here on
  if (options.logger !== false) app.useLogger(app.get(PinoNestLogger));
  // names the framework to scanners, tells clients nothing they need
  app.disable('x-powered-by');
  // SIGTERM/SIGINT close the HTTP server, then the database pool and Redis: graceful shutdown
  app.enableShutdownHooks();
  // POST /v1/agent/heartbeat on plain node:http, ahead of Express and Nest (ADR 0018)
  installAgentFastPath(app);
  return app;
}

export async function startApi(config: AppConfig): Promise<{ app: INestApplication; url: string }> {
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  const url = `http://${config.http.host}:${config.http.port}`;
  new Logger('api').log(`GraphQL at ${url}/graphql`);
  return { app, url };
}
