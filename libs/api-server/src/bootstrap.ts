import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '@haaas/config';
import { eventMetricsObserver, HaaasMetrics, httpMetricsMiddleware, metricsHandler } from '@haaas/metrics';
import { Store } from '@haaas/persistence';
import { AppModule } from './app.module';

/** Creates the API application (not yet listening): used by `main.ts`, `npm start` and the tests. */
export async function createApiApp(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const metrics = config.metrics?.enabled === false ? null : new HaaasMetrics({ process: 'api', objectLabels: config.metrics?.objectLabels ?? false });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, metrics), {
    logger: options.logger === false ? false : ['error', 'warn', 'log'],
    bufferLogs: false,
  });
  if (metrics) mountMetrics(app, metrics, config.metrics?.token);
  // names the framework to scanners, tells clients nothing they need
  app.disable('x-powered-by');
  // SIGTERM/SIGINT close the HTTP server, then the database pool and Redis: graceful shutdown
  app.enableShutdownHooks();
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
