import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { systemScope, SystemActor } from '@haaas/domain';
import { sealerOf } from '@haaas/management';
import { PersistenceModule, Store } from '@haaas/persistence';
import { RedisModule } from '@haaas/redis';
import { SecretBox } from '@haaas/secrets';
import { testRedisUrl } from '@haaas/testing';
import { SIGNATURE_HEADER, verifyWebhookSignature, WebhookOutboxSweeper, WebhooksModule } from '@haaas/webhooks';
import { startTestApi, type TestApi } from './support/api';

/**
 * The webhook outbox's sweeper, with the real API, MariaDB, BullMQ on Redis and a real receiver:
 * a PENDING delivery whose job was never queued (a crash between commit and enqueue) is delivered
 * once by the sweeper, however often it sweeps. And webhook URLs that point at loopback, private
 * or link-local addresses are refused when HAAAS_WEBHOOK_ALLOW_PRIVATE is off (as in production).
 */
const TENANT = 'outbox-e2e';
const SECRET = 'whsec-outbox-0123456789abcdef';

describe('webhook outbox sweeper and address checks', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let receiver: Server;
  let url: string;
  const received: { delivery: string; valid: boolean }[] = [];

  beforeAll(async () => {
    const redisUrl = testRedisUrl(63);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl });
    const sealer = sealerOf(new SecretBox({ keys: api.config.secrets.keys, activeKeyId: api.config.secrets.activeKeyId }));
    // the sweeper is called by hand here (interval 0), for rows of any age (strandedAfterMs 0)
    @Module({ imports: [RedisModule.forRoot({ url: redisUrl }), PersistenceModule.forRoot({ url: api.config.database.url }), WebhooksModule.forRoot({ sealer, runWorkers: true, retryDelayMs: 100, attempts: 3, allowPrivateAddresses: true, sweepIntervalMs: 0, strandedAfterMs: 0 })] })
    class WorkerSide {}
    worker = await NestFactory.createApplicationContext(WorkerSide, { logger: false });
    await worker.init();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ delivery: String(req.headers['haaas-delivery']), valid: verifyWebhookSignature(SECRET, body, String(req.headers[SIGNATURE_HEADER] ?? '')) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it('delivers a PENDING delivery stranded without a job exactly once, however often it sweeps', async () => {
    const jwt = await api.token(TENANT, ['member']);
    const clusterId = (await api.ok<{ createCluster: { id: string } }>(jwt, `mutation { createCluster(input: { name: "outbox", hypervisor: KVM }) { id } }`)).createCluster.id;
    const hook = await api.ok<{ createWebhook: { id: string } }>(jwt, `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`, { i: { clusterId, url, eventTypes: ['INCIDENT_OPENED'], secret: SECRET } });
    // the row as appendEvents writes it, but no job: what a crash right after the commit leaves
    const store = worker.get(Store);
    const scope = systemScope(TENANT, SystemActor.Webhooks);
    const body = JSON.stringify({ id: 'e-stranded', type: 'incident.opened', tenantId: TENANT, clusterId });
    await store.repos.webhookDeliveries.insertMany(scope, [
      { webhookId: hook.createWebhook.id, clusterId, eventId: '01000000-0000-7000-8000-0000000000aa', eventType: 'incident.opened', body, status: 'PENDING', attempts: 0, lastStatusCode: null, lastError: null, lastAttemptAt: null, deliveredAt: null },
    ]);
    const [row] = await store.repos.webhookDeliveries.find(scope, { webhookId: hook.createWebhook.id });
    const deliveryId = row?.id as string;
    await new Promise((r) => setTimeout(r, 1000));
    expect(received).toHaveLength(0); // nothing would ever send it

    const sweeper = worker.get(WebhookOutboxSweeper);
    // twice at once: the second finds the job the first queued and adds nothing
    const counts = await Promise.all([sweeper.sweep(), sweeper.sweep()]);
    expect(counts).toEqual([1, 1]);
    const until = Date.now() + 15_000;
    while (Date.now() < until && (await store.repos.webhookDeliveries.get(scope, deliveryId)).status !== 'DELIVERED') await new Promise((r) => setTimeout(r, 100));
    expect(await store.repos.webhookDeliveries.get(scope, deliveryId)).toMatchObject({ status: 'DELIVERED', attempts: 1, lastStatusCode: 204 });
    expect(await sweeper.sweep()).toBe(0); // nothing PENDING is left
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toEqual([{ delivery: deliveryId, valid: true }]);
  }, 40_000);

  it('refuses webhook URLs to loopback, private and link-local addresses when they are not allowed', async () => {
    const strict = await startTestApi({ HAAAS_WEBHOOK_ALLOW_PRIVATE: 'false' });
    try {
      const jwt = await strict.token(TENANT, ['member']);
      const clusterId = (await strict.ok<{ createCluster: { id: string } }>(jwt, `mutation { createCluster(input: { name: "strict", hypervisor: KVM }) { id } }`)).createCluster.id;
      const create = (u: string) => strict.gql(jwt, `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id url } }`, { i: { clusterId, url: u, eventTypes: ['INCIDENT_OPENED'], secret: SECRET } });
      for (const u of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://169.254.169.254/latest/meta-data', 'https://10.1.2.3/x', 'http://[::1]/x', 'http://[::ffff:192.168.0.1]/x']) {
        const res = await create(u);
        expect({ u, code: res.errors?.[0]?.extensions?.code, problems: res.errors?.[0]?.extensions?.['problems'] }).toEqual({ u, code: 'BAD_USER_INPUT', problems: [{ field: 'url', message: expect.stringMatching(/loopback, private or link-local/) }] });
      }
      const ok = await create('https://hooks.example.com/haaas');
      expect(ok.errors).toBeUndefined();
      const moved = await strict.gql(jwt, `mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { id } }`, { i: { id: (ok.data as { createWebhook: { id: string } }).createWebhook.id, url: 'http://192.168.1.1/' } });
      expect(moved.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await strict.close();
    }
  }, 60_000);
});
