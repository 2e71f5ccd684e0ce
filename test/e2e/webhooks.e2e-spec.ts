import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemScope, SystemActor } from '@haaas/domain';
import { appendEvents, sealerOf } from '@haaas/management';
import { newId, PersistenceModule, Store } from '@haaas/persistence';
import { RedisModule } from '@haaas/redis';
import { SecretBox } from '@haaas/secrets';
import { testRedisUrl } from '@haaas/testing';
import { SIGNATURE_HEADER, verifyWebhookSignature, WebhooksModule } from '@haaas/webhooks';
import { startTestApi, type TestApi } from './support/api';

/**
 * Outbound webhooks end to end: the real API (GraphQL) and, as the worker process runs them, the
 * delivery workers (BullMQ on Redis) POSTing to a real HTTP receiver in this test, which checks
 * every signature with the secret as a tenant's receiver would. Cluster log events are appended
 * through management's appendEvents, the writer the engine uses during a recovery, so the outbox
 * path is the production one.
 */
const TENANT = 'webhooks-e2e';
const SECRET = 'whsec-e2e-0123456789abcdef';
const WEBHOOK_FIELDS = 'id clusterId url eventTypes enabled description hasSecret';
const DELIVERY_FIELDS = 'id eventId eventType status attempts lastStatusCode lastError deliveredAt body';

interface Received {
  readonly body: string;
  readonly signature: string;
  readonly valid: boolean;
  readonly eventType: string;
  readonly delivery: string;
  readonly answered: number;
}
type Delivery = { id: string; eventId: string; eventType: string; status: string; attempts: number; lastStatusCode: number | null; lastError: string | null; deliveredAt: string | null; body: string };

/** The tenant's receiver: verifies each request; answers `plan.shift()` (default 204). */
class Receiver {
  readonly received: Received[] = [];
  plan: number[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers[SIGNATURE_HEADER] ?? '');
        const answered = this.plan.shift() ?? 204;
        this.received.push({ body, signature, valid: verifyWebhookSignature(SECRET, body, signature), eventType: String(req.headers['haaas-event-type']), delivery: String(req.headers['haaas-delivery']), answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

describe('cluster webhooks: signed deliveries, retries, the delivery log, tenant isolation', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let store: Store;
  let receiver: Receiver;
  let url: string;
  let jwt: string;
  let clusterId: string;
  let webhookId: string;

  const deliveries = async (id = webhookId) =>
    (await api.ok<{ webhookDeliveries: { nodes: Delivery[] } }>(jwt, `query($w: ID!) { webhookDeliveries(webhookId: $w, first: 100) { nodes { ${DELIVERY_FIELDS} } } }`, { w: id })).webhookDeliveries.nodes;
  /** Appends events to the cluster log as the recovery does (one transaction). */
  const log = (events: { type: 'incident.opened' | 'incident.recovered' | 'service.recovered' | 'service.failed' | 'operation.started'; after?: object }[]) => {
    const scope = systemScope(TENANT, SystemActor.Recovery);
    const objectId = newId();
    return store.transaction((repos) =>
      appendEvents(
        repos,
        scope,
        events.map((e) => ({
          clusterId,
          type: e.type,
          objectType: e.type.startsWith('incident') ? 'Incident' : e.type.startsWith('service') ? 'Service' : 'Operation',
          objectId,
          after: e.after ?? null,
          message: `${e.type} (e2e)`,
        })) as never,
      ),
    );
  };

  beforeAll(async () => {
    const redisUrl = testRedisUrl(61);
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl, HAAAS_WEBHOOK_RETRY_DELAY_MS: '100', HAAAS_WEBHOOK_ATTEMPTS: '4', HAAAS_WEBHOOK_TIMEOUT_MS: '2000' });
    const sealer = sealerOf(new SecretBox({ keys: api.config.secrets.keys, activeKeyId: api.config.secrets.activeKeyId }));
    // the receiver is on loopback: allowed here as HAAAS_WEBHOOK_ALLOW_PRIVATE allows it outside production
    @Module({ imports: [RedisModule.forRoot({ url: redisUrl }), PersistenceModule.forRoot({ url: api.config.database.url }), WebhooksModule.forRoot({ sealer, runWorkers: true, retryDelayMs: 100, attempts: 4, timeoutMs: 2000, allowPrivateAddresses: true })] })
    class WorkerSide {}
    worker = await NestFactory.createApplicationContext(WorkerSide, { logger: false });
    await worker.init();
    store = worker.get(Store);
    receiver = new Receiver();
    url = await receiver.start();
    jwt = await api.token(TENANT, ['member']);
    clusterId = (await api.ok<{ createCluster: { id: string } }>(jwt, `mutation { createCluster(input: { name: "hooked", hypervisor: KVM }) { id } }`)).createCluster.id;
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.stop();
  });

  it('creates a webhook whose secret is write-only, and refuses bad input with every problem', async () => {
    const created = await api.ok<{ createWebhook: Record<string, unknown> }>(jwt, `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { ${WEBHOOK_FIELDS} } }`, {
      i: { clusterId, url, eventTypes: ['INCIDENT_OPENED', 'INCIDENT_RECOVERED', 'SERVICE_RTO_MISSED'], secret: SECRET, description: 'pager' },
    });
    expect(created.createWebhook).toMatchObject({ clusterId, url, eventTypes: ['INCIDENT_OPENED', 'INCIDENT_RECOVERED', 'SERVICE_RTO_MISSED'], enabled: true, hasSecret: true });
    webhookId = created.createWebhook['id'] as string;
    const read = await api.ok(jwt, `query($c: ID!) { webhooks(clusterId: $c) { ${WEBHOOK_FIELDS} } }`, { c: clusterId });
    expect(JSON.stringify(read)).not.toContain(SECRET);
    const bad = await api.gql(jwt, `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`, { i: { clusterId, url: 'ftp://x', eventTypes: [], secret: 'short' } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((bad.errors?.[0]?.extensions?.['problems'] as { field: string }[]).map((p) => p.field)).toEqual(['url', 'eventTypes', 'secret']);
    const reader = await api.gql(await api.token(TENANT, ['reader']), `mutation($id: ID!) { testWebhook(id: $id) { id } }`, { id: webhookId });
    expect(reader.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('testWebhook: one signed POST, DELIVERED in the delivery log', async () => {
    const t = await api.ok<{ testWebhook: Delivery }>(jwt, `mutation($id: ID!) { testWebhook(id: $id) { ${DELIVERY_FIELDS} } }`, { id: webhookId });
    expect(t.testWebhook).toMatchObject({ eventType: 'webhook.test', status: 'PENDING', attempts: 0 });
    const [d] = await waitFor(deliveries, (l) => l.find((x) => x.id === t.testWebhook.id)?.status === 'DELIVERED', 15_000, 'test delivery');
    expect(d).toMatchObject({ id: t.testWebhook.id, status: 'DELIVERED', attempts: 1, lastStatusCode: 204, lastError: null });
    const got = receiver.received.filter((r) => r.delivery === t.testWebhook.id);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ valid: true, eventType: 'webhook.test', body: t.testWebhook.body });
    expect(got[0]?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(JSON.parse(got[0]?.body ?? '{}')).toMatchObject({ type: 'webhook.test', tenantId: TENANT, clusterId });
  });

  it('retries with backoff while the receiver fails, then delivers each subscribed event once', async () => {
    receiver.received.length = 0;
    receiver.plan = [500, 503]; // the first two attempts fail
    await log([{ type: 'incident.opened' }, { type: 'service.failed' }, { type: 'operation.started' }, { type: 'service.recovered', after: { rto: 'MISSED', rtoSeconds: 30 } }]);
    const done = await waitFor(deliveries, (l) => l.filter((x) => x.eventType !== 'webhook.test').length === 2 && l.every((x) => x.status === 'DELIVERED'), 20_000, 'deliveries');
    const events = done.filter((x) => x.eventType !== 'webhook.test').sort((a, b) => a.eventType.localeCompare(b.eventType));
    // service.failed and operation.started are not subscribed: no delivery at all
    expect(events.map((e) => e.eventType)).toEqual(['incident.opened', 'service.rto_missed']);
    expect(events.reduce((n, e) => n + e.attempts, 0)).toBe(4); // two failures, then one success each
    expect(receiver.received.map((r) => r.answered).sort()).toEqual([204, 204, 500, 503]);
    expect(receiver.received.every((r) => r.valid)).toBe(true);
    // a retry sends the same body (fresh signature), and the payload tells which log event it is
    for (const e of events) {
      const bodies = new Set(receiver.received.filter((r) => r.delivery === e.id).map((r) => r.body));
      expect([...bodies]).toEqual([e.body]);
      expect(JSON.parse(e.body)).toMatchObject({ id: e.eventId, type: e.eventType, clusterId, data: { objectType: e.eventType === 'incident.opened' ? 'Incident' : 'Service' } });
    }
    // once delivered, never again
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received.filter((r) => r.answered === 204)).toHaveLength(2);
  }, 40_000);

  it('gives up after the last attempt: FAILED with the reason in the log', async () => {
    receiver.received.length = 0;
    receiver.plan = [500, 500, 500, 500, 500];
    await log([{ type: 'incident.recovered' }]);
    const failed = await waitFor(deliveries, (l) => l.some((x) => x.eventType === 'incident.recovered' && x.status === 'FAILED'), 20_000, 'failed delivery');
    expect(failed.find((x) => x.eventType === 'incident.recovered')).toMatchObject({ status: 'FAILED', attempts: 4, lastStatusCode: 500, lastError: 'HTTP 500', deliveredAt: null });
    expect(receiver.received).toHaveLength(4);
    const onlyFailed = await api.ok<{ webhookDeliveries: { nodes: Delivery[] } }>(jwt, `query($w: ID!) { webhookDeliveries(webhookId: $w, status: FAILED, first: 10) { nodes { eventType } } }`, { w: webhookId });
    expect(onlyFailed.webhookDeliveries.nodes).toEqual([{ eventType: 'incident.recovered' }]);
  }, 40_000);

  it('a disabled webhook gets no events; another tenant can neither see nor change nor test it', async () => {
    const other = await api.token('webhooks-intruder', ['admin']);
    for (const [op, vars] of [
      [`query($id: ID!) { webhook(id: $id) { id } }`, { id: webhookId }],
      [`query($c: ID!) { webhooks(clusterId: $c) { id } }`, { c: clusterId }],
      [`query($w: ID!) { webhookDeliveries(webhookId: $w, first: 5) { nodes { id } } }`, { w: webhookId }],
      [`mutation($id: ID!) { testWebhook(id: $id) { id } }`, { id: webhookId }],
      [`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: webhookId }],
      [`mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { id } }`, { i: { id: webhookId, url: 'https://evil.example.com/' } }],
    ] as const) {
      const res = await api.gql(other, op, vars);
      expect({ op, code: res.errors?.[0]?.extensions?.code, data: res.data ?? null }).toEqual({ op, code: 'NOT_FOUND', data: null });
    }
    const same = await api.ok<{ webhook: { url: string } }>(jwt, `query($id: ID!) { webhook(id: $id) { url } }`, { id: webhookId });
    expect(same.webhook.url).toBe(url);

    await api.ok(jwt, `mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { id } }`, { i: { id: webhookId, enabled: false } });
    receiver.received.length = 0;
    await log([{ type: 'incident.opened' }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received).toHaveLength(0);
    const deleted = await api.ok<{ deleteWebhook: { id: string } }>(jwt, `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: webhookId });
    expect(deleted.deleteWebhook.id).toBe(webhookId);
    expect((await api.gql(jwt, `query($id: ID!) { webhook(id: $id) { id } }`, { id: webhookId })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  }, 30_000);
});
