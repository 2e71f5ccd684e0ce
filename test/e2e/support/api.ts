import type { INestApplication } from '@nestjs/common';
import { signDevToken } from '@haaas/auth';
import { AppConfig, loadConfig } from '@haaas/config';
import type { Role } from '@haaas/domain';
import { queryCounter, runMigrations } from '@haaas/persistence';
import { createApiApp } from '@haaas/api-server';
import { createTestDatabase, LogCapture, TestDatabase } from '@haaas/testing';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

/** The real API on a free port with its own fresh database, reached over HTTP with real JWTs. */
export interface TestApi {
  readonly url: string;
  readonly config: AppConfig;
  readonly app: INestApplication;
  token(tenant: string, roles?: Role[], subject?: string): Promise<string>;
  gql<T = Record<string, unknown>>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Like gql but fails the test on errors and returns data. */
  ok<T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>): Promise<T>;
  /** SQL statements the API ran while `fn` ran (requests in sequence, in this process). */
  statementsOf(fn: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  /**
   * Log JSON lines as in production instead of silently, for tests that read the logs: into this
   * capture, or (true) through process.stdout.write, where the test may listen.
   */
  readonly logs?: LogCapture | true;
}

export async function startTestApi(env: Record<string, string> = {}, options: TestApiOptions = {}): Promise<TestApi> {
  const redisUrl = process.env['HAAAS_TEST_REDIS_URL'];
  if (!redisUrl) throw new Error('HAAAS_TEST_REDIS_URL is not set: run the tests with jest (its global setup starts Redis)');
  const db: TestDatabase = await createTestDatabase();
  await runMigrations({ url: db.url });
  const config = loadConfig({ NODE_ENV: 'test', HAAAS_DB_URL: db.url, HAAAS_REDIS_URL: redisUrl, HAAAS_HTTP_PORT: '0', ...env });
  const destination = options.logs === true ? { write: (line: string) => void process.stdout.write(line) } : options.logs;
  const app = await createApiApp(config, destination ? { logDestination: destination } : { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;

  const gql = async <T>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphQLResponse<T>;
  };

  return {
    url,
    config,
    app,
    token: (tenant, roles = ['member'], subject = `${tenant}-user`) => signDevToken({ tenant, roles, subject }, config),
    gql,
    async ok<T>(token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
      const res = await gql<T>(token, query, variables);
      if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
      return res.data as T;
    },
    async statementsOf(fn) {
      // the API runs in this process, so the process-wide count covers exactly the request(s) in fn
      const before = queryCounter.total;
      await fn();
      return queryCounter.total - before;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
