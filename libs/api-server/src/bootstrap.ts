import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { installAgentFastPath } from '@haaas/agent-api';
import type { AppConfig } from '@haaas/config';
import { AppModule } from './app.module';

/** Creates the API application (not yet listening): used by `main.ts`, `npm start` and the tests. */
export async function createApiApp(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: options.logger === false ? false : ['error', 'warn', 'log'],
    bufferLogs: false,
  });
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
