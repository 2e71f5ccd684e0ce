import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type SimulatedHost, startSimulatedHost } from '@haaas/fencing/testing';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, type TestApi } from './support/api';

/**
 * The node agent as an operator installs it on a hypervisor host: `npm pack` in apps/agent (its
 * prepack bundles the agent into one JavaScript file), the tarball unpacked outside the repository,
 * packaging/install.sh into a fresh prefix, then the installed bundle run with plain `node` (no
 * TypeScript loader, no node_modules) against the real API for a node whose endpoint is a libvirt
 * test-driver host. Its heartbeats arrive and the API shows its version on Node.agent.
 */
const run = promisify(execFile);
const AGENT = resolve(__dirname, '..', '..', 'apps', 'agent');
const VERSION = (JSON.parse(readFileSync(join(AGENT, 'package.json'), 'utf8')) as { version: string }).version;
const TENANT = 'agent-package-e2e';

let api: TestApi;
let sim: SimulatedHost;
let tmp: string;
let prefix: string;
let agent: ChildProcess | undefined;
const agentLog: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'haaas-agent-pack-'));
  const [packed, started, host] = await Promise.all([
    run('npm', ['pack', '--json', '--pack-destination', tmp, '--loglevel=error'], { cwd: AGENT }),
    startTestApi({ HAAAS_REDIS_URL: testRedisUrl(60) }),
    startSimulatedHost({ name: 'pkg-host' }),
  ]);
  api = started;
  sim = host;
  const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  expect(files.map((f) => f.path).sort()).toEqual([
    'README.md',
    'agent.example.json',
    'dist/haaas-agent.js',
    'package.json',
    'packaging/haaas-agent.service',
    'packaging/install.sh',
  ]);
  await run('tar', ['-xzf', join(tmp, filename), '-C', tmp]);
  prefix = join(tmp, 'root');
  const installed = await run('sh', [
    join(tmp, 'package', 'packaging', 'install.sh'),
    '--prefix', join(prefix, 'opt'),
    '--config-dir', join(prefix, 'etc'),
    '--unit-dir', join(prefix, 'systemd'),
    '--bin-dir', join(prefix, 'bin'),
  ]);
  expect(installed.stdout).toContain(`haaas-agent ${VERSION} installed`);
}, 300_000);

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent?.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  await api?.close();
  await sim?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packaged node agent', () => {
  it('installs one JavaScript file, a systemd unit that systemd accepts and a configuration only when there is none', async () => {
    expect(readdirSync(join(prefix, 'opt'))).toEqual(['haaas-agent.js']);
    const bundle = readFileSync(join(prefix, 'opt', 'haaas-agent.js'), 'utf8');
    expect(bundle.startsWith('#!/usr/bin/env node')).toBe(true);
    expect(bundle).not.toMatch(/require\("(@swc|typescript)/);
    const { stdout } = await run(join(prefix, 'bin', 'haaas-agent'), ['--version'], { cwd: tmp });
    expect(stdout).toBe(`${VERSION}\n`);
    const unit = readFileSync(join(prefix, 'systemd', 'haaas-agent.service'), 'utf8');
    expect(unit).toContain(`ExecStart=/usr/bin/env node ${join(prefix, 'opt', 'haaas-agent.js')} --config ${join(prefix, 'etc', 'agent.json')}`);
    if (existsSync('/usr/bin/systemd-analyze')) await run('systemd-analyze', ['verify', join(prefix, 'systemd', 'haaas-agent.service')]);
    // a second install keeps the operator's configuration
    writeFileSync(join(prefix, 'etc', 'agent.json'), '{"apiUrl":"https://kept.example.com"}');
    await run('sh', [join(tmp, 'package', 'packaging', 'install.sh'), '--prefix', join(prefix, 'opt'), '--config-dir', join(prefix, 'etc'), '--no-systemd', '--bin-dir', join(prefix, 'bin')]);
    expect(readFileSync(join(prefix, 'etc', 'agent.json'), 'utf8')).toContain('kept.example.com');
  }, 60_000);

  it('heartbeats from its bundle on a libvirt host; Node.agent shows its version; its RSS is reported', async () => {
    const jwt = await api.token(TENANT, ['member']);
    const { createCluster } = await api.ok<{ createCluster: { id: string } }>(jwt, `mutation { createCluster(input: { name: "packaged", hypervisor: KVM }) { id } }`);
    const { joinNode } = await api.ok<{ joinNode: { id: string; agent: unknown } }>(jwt, `mutation($i: JoinNodeInput!) { joinNode(input: $i) { id agent { version } } }`, {
      i: { clusterId: createCluster.id, hostname: 'pkg-host.example.com', kind: 'PHYSICAL', endpoint: { uri: sim.host.uri }, capacity: { cpus: 4, memoryMb: 8192 } },
    });
    expect(joinNode.agent).toBeNull();
    const { issueNodeAgentToken } = await api.ok<{ issueNodeAgentToken: { token: string } }>(jwt, `mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { token } }`, { n: joinNode.id });
    const etc = join(prefix, 'etc');
    writeFileSync(join(etc, 'token'), `${issueNodeAgentToken.token}\n`, { mode: 0o600 });
    writeFileSync(join(etc, 'agent.json'), JSON.stringify({ apiUrl: api.url, tokenFile: 'token', intervalSeconds: 1, storage: { path: sim.host.dir }, actions: { enabled: false } }), { mode: 0o600 });

    const started = Date.now();
    agent = spawn(process.execPath, [join(prefix, 'opt', 'haaas-agent.js'), '--config', join(etc, 'agent.json')], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
    agent.stderr?.on('data', (d: Buffer) => agentLog.push(d.toString()));
    type Seen = { node: { agent: { version: string; lastHeartbeatAt: string; bootTime: string } | null } };
    const query = `query($id: ID!) { node(id: $id) { agent { version lastHeartbeatAt bootTime } } }`;
    let seen: Seen['node']['agent'] = null;
    for (let until = Date.now() + 30_000; Date.now() < until && !seen; ) {
      seen = (await api.ok<Seen>(jwt, query, { id: joinNode.id })).node.agent;
      if (!seen) await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).not.toBeNull();
    expect(seen?.version).toBe(VERSION);
    expect(Date.parse(seen?.lastHeartbeatAt ?? '')).toBeGreaterThanOrEqual(started - 1000);
    expect(Date.parse(seen?.bootTime ?? '')).toBeLessThan(Date.now());
    // the listing shows it too (batched per cluster)
    const listed = await api.ok<{ nodes: { nodes: { id: string; agent: { version: string } | null }[] } }>(jwt, `{ nodes { nodes { id agent { version } } } }`);
    expect(listed.nodes.nodes).toEqual([{ id: joinNode.id, agent: { version: VERSION } }]);
    // another tenant cannot read it
    const other = await api.gql(await api.token('someone-else'), query, { id: joinNode.id });
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // a few more heartbeats, then its resident memory as the kernel counts it
    const first = Date.parse(seen?.lastHeartbeatAt ?? '');
    for (let until = Date.now() + 15_000; Date.now() < until; ) {
      const again = (await api.ok<Seen>(jwt, query, { id: joinNode.id })).node.agent;
      if (Date.parse(again?.lastHeartbeatAt ?? '') >= first + 3000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const status = readFileSync(`/proc/${agent.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    expect(rssKb).toBeGreaterThan(0);
    console.log(`packaged haaas-agent ${VERSION}: resident memory ${(rssKb / 1024).toFixed(1)} MB after its first heartbeats (bench/agent-memory.bench.ts compares it with the TypeScript loader)`);
    expect(agentLog.join('')).toContain('first heartbeat delivered');
  }, 90_000);
});
