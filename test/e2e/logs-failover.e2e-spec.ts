import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { DemoDatacenter, GraphQLCaller, startDemoDatacenter } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { LogCapture, testRedisUrl } from '@haaas/testing';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '@haaas/webhooks';
import { startTestApi, TestApi } from './support/api';

/**
 * A failover on the simulated datacenter with the API and the worker logging JSON lines as in
 * production, a node password, BMC passwords, agent tokens and a webhook secret in play, and a
 * real webhook receiver checking signatures. The log lines let one follow the incident by its id;
 * no secret is in any of them; the receiver gets the incident's opened, fenced and recovered events.
 */
describe('a failover in the logs and the webhooks', () => {
  const logs = new LogCapture();
  const webhookSecret = `whsec-${randomBytes(12).toString('hex')}`;
  const nodePasswords: string[] = [];
  const received: { type: string; valid: boolean; body: string }[] = [];
  let receiver: Server;
  let api: TestApi;
  let worker: INestApplicationContext;
  let dc: DemoDatacenter;
  let gql: GraphQLCaller;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    const redisUrl = testRedisUrl(62);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ type: String(req.headers['haaas-event-type']), valid: verifyWebhookSignature(webhookSecret, body, String(req.headers[SIGNATURE_HEADER] ?? '')), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

    // one capture for both processes: the API is built first and sets the process's root logger
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl, HAAAS_LOG_LEVEL: 'debug' }, { logs });
    worker = await startWorker(api.config, { logDestination: logs });
    token = await api.token('logs-co');
    gql = new GraphQLCaller(`${api.url}/graphql`, token);
    dir = mkdtempSync(join(tmpdir(), 'haaas-logs-'));
    dc = await startDemoDatacenter({ graphqlUrl: `${api.url}/graphql`, token, dataDir: dir, deadtimeSeconds: 3 });
    for (const h of dc.hosts) {
      const password = `node-pw-${randomBytes(8).toString('hex')}`;
      nodePasswords.push(password);
      await gql.call(`mutation($i: UpdateNodeInput!) { updateNode(input: $i) { id } }`, { i: { id: h.nodeId, endpoint: { password } } });
    }
    const port = (receiver.address() as AddressInfo).port;
    await gql.call(`mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`, {
      i: { clusterId: dc.clusterId, url: `http://127.0.0.1:${port}/hooks`, secret: webhookSecret, eventTypes: ['INCIDENT_OPENED', 'INCIDENT_FENCED', 'INCIDENT_RECOVERED'] },
    });
  }, 180_000);

  afterAll(async () => {
    // HAAAS_TEST_LOGS_OUT=file keeps the run's lines (docs/observability.md quotes them)
    const out = process.env['HAAAS_TEST_LOGS_OUT'];
    if (out) writeFileSync(out, logs.lines.join('\n') + '\n');
    await dc?.stop();
    await worker?.close();
    await api?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs the incident under its id, never a secret, and notifies the receiver, signed', async () => {
    await dc.crash('host2');
    const until = Date.now() + 90_000;
    let incident: { id: string; state: string } | undefined;
    while (Date.now() < until) {
      const r = await gql.call<{ incidents: { nodes: { id: string; state: string }[] } }>(`query($c: ID!) { incidents(filter: { clusterId: $c }) { nodes { id state } } }`, { c: dc.clusterId });
      incident = r.incidents.nodes[0];
      if (incident && ['RECOVERED', 'PARTIALLY_RECOVERED', 'FAILED'].includes(incident.state)) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(incident?.state).toBe('RECOVERED');
    const incidentId = incident?.id as string;

    // the receiver: each of the three events once, each signature valid, each about this incident
    const wanted = ['incident.opened', 'incident.fenced', 'incident.recovered'];
    const by = Date.now() + 30_000;
    while (Date.now() < by && !wanted.every((t) => received.some((r) => r.type === t))) await new Promise((res) => setTimeout(res, 100));
    expect(received.map((r) => r.type).sort()).toEqual([...wanted].sort());
    for (const r of received) {
      expect({ type: r.type, valid: r.valid }).toEqual({ type: r.type, valid: true });
      expect(r.body).toContain(incidentId);
    }

    // following the incident: its lines, JSON, from the jobs that recovered it, fencing included
    const records = logs.records;
    const ofIncident = records.filter((r) => r['incidentId'] === incidentId);
    expect(ofIncident.length).toBeGreaterThan(3);
    const jobs = new Set(ofIncident.map((r) => r['job']));
    expect([...jobs]).toEqual(expect.arrayContaining(['incident.recover', 'service.recover']));
    // every line names the tenant; those of the jobs their job too (the detector's incident.opened line is no job's)
    expect(ofIncident.every((r) => r['tenant'] !== undefined)).toBe(true);
    expect(ofIncident.filter((r) => r['job'] !== undefined).every((r) => typeof r['jobId'] === 'string')).toBe(true);
    expect(ofIncident.some((r) => r['event'] === 'incident.opened')).toBe(true);
    expect(ofIncident.some((r) => /fence/i.test(String(r.msg)))).toBe(true);
    expect(ofIncident.some((r) => r['serviceId'] !== undefined)).toBe(true);
    // and the API's request lines carry the request id, tenant, subject and operation
    expect(records.some((r) => r.msg === 'request completed' && r.requestId && r['tenant'] === 'logs-co' && r['subject'] === 'logs-co-user' && r['operation'])).toBe(true);

    // no secret in any line: node passwords, BMC passwords, agent tokens, the webhook secret, the caller's JWT
    const agentTokens = dc.hosts.map((h) => readFileSync(join(dir, 'agents', h.name, 'token'), 'utf8').trim());
    const secrets = [...nodePasswords, ...dc.hosts.map((h) => h.sim.bmc.password), ...agentTokens, webhookSecret, token];
    expect(secrets.every((s) => s.length >= 8)).toBe(true);
    const everything = logs.lines.join('\n');
    expect(secrets.filter((s) => everything.includes(s))).toEqual([]);
    // the grep read a real run: thousands of characters, the ids of the run among them
    expect(everything).toContain(incidentId);
    expect(everything).toContain(dc.clusterId);
  }, 150_000);
});
