import { request } from 'node:http';
import Redis from 'ioredis';
import { TenantScope } from '@haaas/domain';
import { HeartbeatStore } from '@haaas/heartbeats';
import { startTestApi, TestApi } from './support/api';
import { testRedisUrl } from '@haaas/testing';

/**
 * The heartbeat endpoint's lean path (ADR 0018): answered on node:http ahead of Express and Nest,
 * on the API's own port, routed as the Nest router did, every other request still Nest's. The
 * answers themselves (401, 400, 413, 415, 429) are in agent.e2e-spec.ts and rate-limits.e2e-spec.ts.
 */
describe('POST /v1/agent/heartbeat ahead of the framework (real API, MariaDB, Redis)', () => {
  const TENANT = 'hbpath';
  const scope = TenantScope.of(TENANT, { subject: 'test', roles: ['admin'] });
  let api: TestApi;
  let redis: Redis;
  let clusterId: string;
  let nodeId: string;
  let token: string;
  const beat = () => JSON.stringify({ sentAt: new Date().toISOString(), bootTime: '2026-01-01T00:00:00Z', agentVersion: 'e2e', checks: { storage: { ok: true }, isolationAddress: { ok: true } } });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body });

  beforeAll(async () => {
    const redisUrl = testRedisUrl(48);
    redis = new Redis(redisUrl);
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl });
    const jwt = await api.token(TENANT, ['admin']);
    clusterId = (await api.ok<{ createCluster: { id: string } }>(jwt, 'mutation { createCluster(input: { name: "p", hypervisor: KVM }) { id } }')).createCluster.id;
    nodeId = (
      await api.ok<{ joinNode: { id: string } }>(jwt, 'mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }', {
        i: { clusterId, hostname: 'p.example.com', kind: 'PHYSICAL', endpoint: { uri: 'qemu+ssh://p/system' }, capacity: { cpus: 8, memoryMb: 16384 } },
      })
    ).joinNode.id;
    token = (await api.ok<{ issueNodeAgentToken: { token: string } }>(jwt, 'mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { token } }', { n: nodeId })).issueNodeAgentToken.token;
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await redis?.quit();
  });

  it('is routed as before: any case, a trailing slash, a query string; and records the beat in Redis', async () => {
    for (const path of ['/v1/agent/heartbeat', '/v1/agent/heartbeat/', '/V1/Agent/Heartbeat', '/v1/agent/heartbeat?from=test']) {
      const res = await post(path, beat());
      expect([path, res.status]).toEqual([path, 200]);
      const reply = (await res.json()) as { intervalSeconds: number; serverTime: string };
      expect(reply.intervalSeconds).toBe(1);
      const seen = (await new HeartbeatStore(redis).lastSeen(scope, clusterId)).get(nodeId);
      expect(seen).toBe(Date.parse(reply.serverTime));
    }
  });

  it('leaves every other request to Nest: other methods, other paths', async () => {
    const get = await fetch(`${api.url}/v1/agent/heartbeat`, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(404);
    expect(await get.json()).toMatchObject({ statusCode: 404, message: 'Cannot GET /v1/agent/heartbeat' });
    expect((await post('/v1/agent/heartbeats', beat())).status).toBe(404);
    expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
    const next = await post('/v1/agent/actions/next', JSON.stringify({ waitSeconds: 0 }));
    expect(next.status).toBe(200);
    expect(await next.json()).toEqual({ action: null });
  });

  it('answers bad JSON with the agent API error body, after the token check', async () => {
    const broken = await post('/v1/agent/heartbeat', '{"sentAt": ');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^invalid heartbeat: the body is not valid JSON \(.+\)$/) });
    const anonymous = await fetch(`${api.url}/v1/agent/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sentAt": ' });
    expect(anonymous.status).toBe(401);
  });

  it('refuses a chunked body (no Content-Length) once it passes the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(api.url);
      const req = request({ host: '127.0.0.1', port, path: '/v1/agent/heartbeat', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // written in pieces: node:http sends them chunked
      for (let i = 0; i < 20; i++) req.write(`${'x'.repeat(1024)}`);
      req.end();
    });
    expect(status).toBe(413);
  });
});
