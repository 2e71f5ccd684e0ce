/** The real API for the SDK's end-to-end tests, with SDK clients that record what they exercised. */
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { hypervisorAdapters } from '@haaas/engine-runtime';
import { NodeActionsModule } from '@haaas/node-actions';
import { OperationsWorkerModule } from '@haaas/operations';
import { ManagementModule, sealerOf } from '@haaas/management';
import { PersistenceModule } from '@haaas/persistence';
import { RecoveryModule } from '@haaas/recovery';
import { RedisModule } from '@haaas/redis';
import { SecretBox } from '@haaas/secrets';
import WebSocket from 'ws';
import { HaaasClient, type FetchLike, type HaaasClientOptions } from '@haaas/sdk';
import { startTestApi, type TestApi } from '../../test/e2e/support/api';

type Role = 'admin' | 'member' | 'reader';

/** Refusals that show the API understood and ran the SDK's document (unlike validation or internal errors). */
const DOMAIN_CODES = new Set(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'QUOTA_EXCEEDED', 'PRECONDITION_FAILED']);

export interface LiveApi {
  readonly api: TestApi;
  /** Root fields (`createCluster`, `nodes`, ...) the API answered without errors, through any client below. */
  readonly exercised: Set<string>;
  /** Root fields the API ran and refused with a domain error (NOT_FOUND, PRECONDITION_FAILED, ...), by code. */
  readonly refused: Map<string, string>;
  /** An SDK client with a real JWT of this tenant and roles. */
  client(tenant: string, roles?: Role[], options?: Partial<HaaasClientOptions>): Promise<HaaasClient>;
  close(): Promise<void>;
}

export interface LiveApiOptions {
  /**
   * Run operations (what the actions return) with a worker in this process: the worker app's
   * composition for operations, without its failure detector (these nodes run no agent). The API
   * and the worker then use this Redis database of their own: queues are shared by name, and other
   * test files run workers too.
   */
  readonly operationsWorker?: { readonly redisDb: number };
}

function redisUrl(db: number): string {
  const base = process.env['HAAAS_TEST_REDIS_URL'];
  if (!base) throw new Error('HAAAS_TEST_REDIS_URL is not set');
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

async function startOperationsWorker(api: TestApi, redis: string): Promise<INestApplicationContext> {
  const config = api.config;
  const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
  const adapters = hypervisorAdapters();
  const sealer = sealerOf(box);
  @Module({
    imports: [
      RedisModule.forRoot({ url: redis }),
      PersistenceModule.forRoot({ url: config.database.url }),
      ManagementModule.forRoot({ defaultQuota: config.quota, sealer, adapters }),
      NodeActionsModule.forRoot(),
      // the worker's runner and claims (no recovery workers); claims waited for 2 s
      RecoveryModule.forRoot({ adapters, sealer, runWorkers: false, claimWaitMs: 2000 }),
      OperationsWorkerModule.forRoot({ adapters, sealer }),
    ],
  })
  class OperationsWorker {}
  const worker = await NestFactory.createApplicationContext(OperationsWorker, { logger: false });
  await worker.init();
  return worker;
}

export async function startLiveApi(options: LiveApiOptions = {}): Promise<LiveApi> {
  const redis = options.operationsWorker ? redisUrl(options.operationsWorker.redisDb) : undefined;
  const api = await startTestApi(redis ? { HAAAS_REDIS_URL: redis } : {});
  const worker = redis ? await startOperationsWorker(api, redis) : undefined;
  const exercised = new Set<string>();
  const refused = new Map<string, string>();
  // the global fetch, noting the root fields of every request the API answered
  const recording: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      const fields = rootFieldsOf((JSON.parse(init.body) as { query: string }).query);
      const code = body.errors?.[0]?.extensions?.code;
      if (body.data && !body.errors?.length) fields.forEach((f) => exercised.add(f));
      else if (code && DOMAIN_CODES.has(code)) fields.forEach((f) => refused.set(f, code));
    } catch {
      // not JSON: nothing to record, the client reports it
    }
    return { status: response.status, headers: response.headers, text: async () => text };
  };
  const rootFieldsOf = (query: string): string[] => {
    const op = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    return (op?.selectionSet.selections ?? []).flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
  };
  // a WebSocket (Node 20 has none built in) that notes the root fields of subscriptions the same way
  class RecordingWebSocket extends WebSocket {
    private readonly subscriptions = new Map<string, string[]>();
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on('message', (raw) => {
        const msg = JSON.parse(String(raw)) as { id?: string; type: string; payload?: { data?: unknown; errors?: { extensions?: { code?: string } }[] } | { extensions?: { code?: string } }[] };
        const fields = (msg.id && this.subscriptions.get(msg.id)) || [];
        const errors = Array.isArray(msg.payload) ? msg.payload : msg.payload?.errors;
        const code = errors?.[0]?.extensions?.code;
        if (msg.type === 'next' && !errors?.length) fields.forEach((f) => exercised.add(f));
        else if (code && DOMAIN_CODES.has(code)) fields.forEach((f) => refused.set(f, code));
      });
    }
    override send(data: string, ...rest: unknown[]): void {
      const msg = JSON.parse(data) as { id?: string; type: string; payload?: { query?: string } };
      if (msg.type === 'subscribe' && msg.id && msg.payload?.query) this.subscriptions.set(msg.id, rootFieldsOf(msg.payload.query));
      (super.send as (data: string, ...rest: unknown[]) => void)(data, ...rest);
    }
  }
  return {
    api,
    exercised,
    refused,
    async client(tenant, roles = ['member'], options = {}) {
      const token = await api.token(tenant, roles);
      return new HaaasClient({ url: api.url, token, fetch: recording, webSocketImpl: RecordingWebSocket, ...options });
    },
    async close() {
      await worker?.close();
      await api.close();
    },
  };
}
