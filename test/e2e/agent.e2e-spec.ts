import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ensureDebianPackages } from '@haaas/devstack';
import { TenantScope } from '@haaas/domain';
import { agentTokenCacheKey, HeartbeatStore, type HeartbeatRecord } from '@haaas/heartbeats';
import { startTestApi, TestApi } from './support/api';
import { testRedisUrl } from '@haaas/testing';

const ROOT = join(__dirname, '..', '..');
const TENANT = 'agent-e2e';
const scope = TenantScope.of(TENANT, { subject: 'system:test', roles: ['admin'] });
const ISSUE = `mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { nodeId token fingerprint issuedAt } }`;
type Issued = { issueNodeAgentToken: { nodeId: string; token: string; fingerprint: string; issuedAt: string } };

/** A node agent process, as an operator runs it, with everything it prints. */
class AgentProcess {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(configFile: string) {
    this.child = spawn(process.execPath, [join(ROOT, 'tools', 'run.js'), join(ROOT, 'apps', 'agent', 'src', 'main.ts'), '--config', configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get log(): string {
    return this.output.join('');
  }

  async waitForLog(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    await waitFor(() => pattern.test(this.log), timeoutMs, () => `agent log never matched ${pattern}:\n${this.log}`);
    return this.log;
  }

  /** SIGTERM, as systemd stops it; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

async function waitFor(ok: () => boolean | Promise<boolean>, timeoutMs: number, message: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(message());
}

describe('node agent and heartbeat endpoint (real API over HTTP, MariaDB, Redis)', () => {
  let api: TestApi;
  let redis: Redis;
  let heartbeats: HeartbeatStore;
  let jwt: string;
  let clusterId: string;
  let dir: string;
  const agents: AgentProcess[] = [];
  const issued: string[] = [];
  const apiOutput: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

  const join_ = async (cluster: string, hostname: string) =>
    (
      await api.ok<{ joinNode: { id: string } }>(jwt, `mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
        i: { clusterId: cluster, hostname, kind: 'PHYSICAL', endpoint: { uri: `qemu+ssh://${hostname}/system` }, capacity: { cpus: 8, memoryMb: 16384 } },
      })
    ).joinNode.id;
  const issue = async (nodeId: string) => {
    const r = await api.ok<Issued>(jwt, ISSUE, { n: nodeId });
    issued.push(r.issueNodeAgentToken.token);
    return r.issueNodeAgentToken;
  };
  const post = (token: string | null, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/v1/agent/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const beat = () => ({
    sentAt: new Date().toISOString(),
    bootTime: '2026-01-01T00:00:00Z',
    agentVersion: 'e2e',
    checks: { storage: { ok: true, detail: 'fine' }, isolationAddress: { ok: true, address: '127.0.0.1' } },
  });
  const recordOf = async (nodeId: string, cluster = clusterId): Promise<HeartbeatRecord | undefined> => (await heartbeats.records(scope, cluster, [nodeId])).get(nodeId);
  const startAgent = async (name: string, config: Record<string, unknown>, token: string): Promise<AgentProcess> => {
    const tokenFile = join(dir, `${name}.token`);
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const configFile = join(dir, `${name}.json`);
    await writeFile(configFile, JSON.stringify({ apiUrl: api.url, tokenFile, ...config }));
    const agent = new AgentProcess(configFile);
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    await ensureDebianPackages(['iputils-ping'], { binaries: { 'iputils-ping': ['ping'] } });
    // a database of its own: other test files flush theirs
    const redisUrl = testRedisUrl(6);
    redis = new Redis(redisUrl);
    heartbeats = new HeartbeatStore(redis);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (apiOutput.push(String(chunk)), originals.out(chunk, ...rest))) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (apiOutput.push(String(chunk)), originals.err(chunk, ...rest))) as typeof process.stderr.write;
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl }, { logs: true });
    jwt = await api.token(TENANT);
    clusterId = (await api.ok<{ createCluster: { id: string } }>(jwt, `mutation { createCluster(input: { name: "east", hypervisor: KVM }) { id } }`)).createCluster.id;
    dir = await mkdtemp(join(tmpdir(), 'agent-e2e-'));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
    await api?.close();
    await redis?.quit();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('issueNodeAgentToken', () => {
    it('returns the token once and logs only its fingerprint', async () => {
      const nodeId = await join_(clusterId, 'issue.example.com');
      const t = await issue(nodeId);
      expect(t).toMatchObject({ nodeId, token: expect.stringMatching(new RegExp(`^hna_${TENANT}\\.${nodeId}\\.[A-Za-z0-9_-]{43}$`)), fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/) });
      const log = await api.ok<{ clusterLog: { nodes: { type: string; after: string | null; message: string | null }[] } }>(
        jwt,
        `query($c: ID!) { clusterLog(clusterId: $c, filter: { nodeId: "${nodeId}" }) { nodes { type after message } } }`,
        { c: clusterId },
      );
      expect(log.clusterLog.nodes.map((e) => e.type)).toEqual(['node.agent_token_issued', 'node.joined']);
      expect(JSON.stringify(log)).toContain(t.fingerprint);
      expect(JSON.stringify(log)).not.toContain(t.token.split('.').pop());
    });

    it('is refused to readers (FORBIDDEN) and to other tenants (NOT_FOUND)', async () => {
      const nodeId = await join_(clusterId, 'guarded.example.com');
      const reader = await api.gql(await api.token(TENANT, ['reader']), ISSUE, { n: nodeId });
      expect(reader.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const other = await api.gql(await api.token('someone-else'), ISSUE, { n: nodeId });
      expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });
  });

  describe('POST /v1/agent/heartbeat', () => {
    let nodeId: string;
    let token: string;
    beforeAll(async () => {
      nodeId = await join_(clusterId, 'http.example.com');
      token = (await issue(nodeId)).token;
    });

    it('records the heartbeat in Redis and answers with the cluster\'s interval', async () => {
      const res = await post(token, beat());
      expect(res.status).toBe(200);
      const body = (await res.json()) as { intervalSeconds: number; serverTime: string };
      expect(body.intervalSeconds).toBe(1);
      const record = await recordOf(nodeId);
      expect(record).toMatchObject({ agentVersion: 'e2e', bootTime: Date.parse('2026-01-01T00:00:00Z'), checks: beat().checks });
      expect(new Date(record?.seenAt ?? 0).toISOString()).toBe(body.serverTime);
    });

    it('answers 401, with WWW-Authenticate, to a missing, malformed, altered or user token', async () => {
      const altered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
      for (const t of [null, 'hna_nope', altered, jwt]) {
        const res = await post(t, beat());
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
      }
    });

    it('answers 401 at once to the token of a node that left its cluster, and has forgotten its heartbeats', async () => {
      const leaving = await join_(clusterId, 'leaving.example.com');
      const own = (await issue(leaving)).token;
      // both tokens are now cached: in this API process and in Redis
      expect((await post(own, beat())).status).toBe(200);
      expect((await post(token, beat())).status).toBe(200);
      expect(await recordOf(leaving)).toBeDefined();
      expect((await heartbeats.lastSeen(scope, clusterId)).has(leaving)).toBe(true);
      await api.ok(jwt, `mutation($id: ID!) { leaveNode(id: $id) { id } }`, { id: leaving });
      const refused = await post(own, beat());
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(await recordOf(leaving)).toBeUndefined();
      expect((await heartbeats.lastSeen(scope, clusterId)).has(leaving)).toBe(false);
      expect(await redis.get(agentTokenCacheKey(TENANT, leaving))).toBe('-');
      // the nodes that stay are untouched
      expect((await post(token, beat())).status).toBe(200);
    });

    it('answers 400 with every bad field, 413 to an oversized body and 415 to something else than JSON', async () => {
      const bad = await post(token, { ...beat(), sentAt: 'yesterday', checks: { storage: { ok: 'yes' } } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'sentAt' }, { field: 'checks.storage.ok' }] });
      const broken = await post(token, '{"sentAt": ');
      expect(broken.status).toBe(400);
      expect(await broken.json()).toMatchObject({ message: expect.stringMatching(/JSON/) });
      const big = await post(token, { ...beat(), padding: 'x'.repeat(20_000) });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      const huge = await post(token, { ...beat(), padding: 'x'.repeat(200_000) });
      expect(huge.status).toBe(413);
      const text = await post(token, 'sentAt=now', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
    });
  });

  describe('the agent process', () => {
    it('sends heartbeats with its checks; a failing storage path is reported as such', async () => {
      const goodNode = await join_(clusterId, 'kvm-good.example.com');
      const badNode = await join_(clusterId, 'kvm-bad.example.com');
      const goodToken = (await issue(goodNode)).token;
      const badToken = (await issue(badNode)).token;
      const shared = join(dir, 'shared');
      await mkdir(shared);
      const good = await startAgent('good', { storage: { path: shared }, isolationAddress: { address: '127.0.0.1' } }, goodToken);
      const bad = await startAgent('bad', { storage: { path: join(dir, 'no-such-dir') }, isolationAddress: { address: '203.0.113.7' } }, badToken);

      await waitFor(async () => (await recordOf(goodNode)) !== undefined && (await recordOf(badNode)) !== undefined, 30_000, () => `no heartbeats:\n${good.log}\n${bad.log}`);
      const first = await recordOf(goodNode);
      const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]) * 1000;
      expect(first).toMatchObject({
        bootTime: btime,
        agentVersion: '0.1.0',
        checks: {
          storage: { ok: true, detail: expect.stringMatching(/^wrote and synced .*shared\/\.haaas-agent-/) },
          isolationAddress: { ok: true, address: '127.0.0.1', detail: expect.stringMatching(/^ICMP echo answered/) },
        },
      });
      expect(Math.abs((first?.seenAt ?? 0) - (first?.sentAt ?? 0))).toBeLessThan(5000);
      expect(await recordOf(badNode)).toMatchObject({
        checks: {
          storage: { ok: false, detail: expect.stringMatching(/ENOENT: no such file or directory, open '.*no-such-dir\/\.haaas-agent-/) },
          isolationAddress: { ok: false, address: '203.0.113.7' },
        },
      });
      // every interval (1 s): the last-seen time moves on
      await waitFor(async () => ((await recordOf(goodNode))?.seenAt ?? 0) >= (first?.seenAt ?? 0) + 1500, 10_000, () => good.log);
      expect([...(await heartbeats.lastSeen(scope, clusterId)).keys()]).toEqual(expect.arrayContaining([goodNode, badNode]));

      expect(await good.stop()).toBe(0);
      expect(await bad.stop()).toBe(0);
      expect(good.log).toMatch(/SIGTERM: stopping\n.*stopped\n$/);
    });

    it('reports a rotated token clearly (401) and recovers when the new token is installed', async () => {
      const nodeId = await join_(clusterId, 'kvm-rotated.example.com');
      const first = await issue(nodeId);
      const agent = await startAgent('rotated', {}, first.token);
      await agent.waitForLog(/first heartbeat delivered/);
      const second = await issue(nodeId);
      const log = await agent.waitForLog(/HTTP 401/);
      expect(log).toContain(`the API refused the node agent token ${first.fingerprint} (HTTP 401`);
      expect(log).toContain('It was rotated or revoked: install the token issueNodeAgentToken returned in');
      const stalled = (await recordOf(nodeId))?.seenAt ?? 0;
      await new Promise((r) => setTimeout(r, 1500));
      expect((await recordOf(nodeId))?.seenAt).toBe(stalled);
      // the operator installs the new token; the agent reads the file again on its next attempt
      const tokenFile = join(dir, 'rotated.token');
      await writeFile(tokenFile, second.token);
      await chmod(tokenFile, 0o600);
      await agent.waitForLog(/heartbeats delivered again/);
      expect(agent.log).toContain(`using node agent token ${second.fingerprint}`);
      await waitFor(async () => ((await recordOf(nodeId))?.seenAt ?? 0) > stalled, 10_000, () => agent.log);
      expect(await agent.stop()).toBe(0);
    });

    it('is refused (401) once its node has left the cluster, and says so', async () => {
      const nodeId = await join_(clusterId, 'kvm-leaving.example.com');
      const issuedToken = await issue(nodeId);
      const agent = await startAgent('leaving', {}, issuedToken.token);
      await agent.waitForLog(/first heartbeat delivered/);
      await api.ok(jwt, `mutation($id: ID!) { leaveNode(id: $id) { id } }`, { id: nodeId });
      const log = await agent.waitForLog(/HTTP 401/);
      expect(log).toContain(`the API refused the node agent token ${issuedToken.fingerprint} (HTTP 401`);
      expect(await agent.stop()).toBe(0);
    });

    it('adopts the heartbeat interval of its cluster', async () => {
      const slow = (await api.ok<{ createCluster: { id: string } }>(jwt, `mutation { createCluster(input: { name: "slow", hypervisor: KVM, policy: { heartbeatIntervalSeconds: 2, deadtimeSeconds: 10 } }) { id } }`)).createCluster.id;
      const nodeId = await join_(slow, 'kvm-slow.example.com');
      const agent = await startAgent('slow', { intervalSeconds: 1 }, (await issue(nodeId)).token);
      await agent.waitForLog(/heartbeat interval is now 2 s/);
      const a = (await recordOf(nodeId, slow))?.seenAt ?? 0;
      await waitFor(async () => ((await recordOf(nodeId, slow))?.seenAt ?? 0) > a, 5000, () => agent.log);
      const b = (await recordOf(nodeId, slow))?.seenAt ?? 0;
      await waitFor(async () => ((await recordOf(nodeId, slow))?.seenAt ?? 0) > b, 5000, () => agent.log);
      const c = (await recordOf(nodeId, slow))?.seenAt ?? 0;
      expect(c - b).toBeGreaterThanOrEqual(1800);
      expect(await agent.stop()).toBe(0);
    });

    it('never prints a token, nor does the API', () => {
      const everything = agents.map((a) => a.log).join('\n') + apiOutput.join('');
      expect(issued.length).toBeGreaterThan(3);
      for (const t of issued) expect(everything).not.toContain(t.split('.').pop());
    });
  });
});
