import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { installAgentFastPath } from '@haaas/agent-api';
import type { AppConfig } from '@haaas/config';
import { PinoNestLogger } from '@haaas/logging';
import { eventMetricsObserver, HaaasMetrics, httpMetricsMiddleware, metricsHandler } from '@haaas/metrics';
import { Store } from '@haaas/persistence';
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
  const metrics = config.metrics?.enabled === false ? null : new HaaasMetrics({ process: 'api', objectLabels: config.metrics?.objectLabels ?? false });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logging, metrics), options.logger === false ? { logger: false } : { bufferLogs: true });
  // Nest's Logger (the framework's and ours) writes through pino from here on
  if (options.logger !== false) app.useLogger(app.get(PinoNestLogger));
  if (metrics) mountMetrics(app, metrics, config.metrics?.token);
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

/**
 * Prometheus metrics of the API: every HTTP request timed (before any route, so refusals count
 * too), the events this process commits, and GET /metrics (a bearer token when configured, which
 * production requires).
 */
function mountMetrics(app: NestExpressApplication, metrics: HaaasMetrics, token: string | undefined): void {
  app.use(httpMetricsMiddleware(metrics));
  app.use('/metrics', metricsHandler(metrics, token ? { token } : {}));
  app.get(Store).observeCommits(eventMetricsObserver(metrics));
}
