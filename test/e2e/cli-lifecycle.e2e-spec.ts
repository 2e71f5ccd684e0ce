import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { testDomainXml } from '@haaas/adapter-kvm/testing';
import { type SimulatedHost, startSimulatedHost } from '@haaas/fencing/testing';
import { documentedCliKeys, startKeystone, testRedisUrl, type KeystonePeer } from '@haaas/testing';
import { startWorker } from '@haaas/worker-server';
import { startTestApi, type TestApi } from './support/api';

/**
 * The whole lifecycle of a cluster driven by the real `haaas` process, logged in with Keystone, in
 * the demo datacenter (libvirtd test-driver hosts with ipmi_sim BMCs, node agents, a worker): the
 * cluster, its nodes, fencing, domains and services are made with the CLI, HA started, a service
 * relocated with --wait, a host crashed by `npm run demo -- kill`; `event list --follow` tells the
 * failover and `incident show` the incident. Judged by libvirt and the BMC, not only by the API.
 */
const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'apps', 'cli', 'bin', 'haaas.js');
const HOSTS = ['host1', 'host2', 'host3'];

let keystone: KeystonePeer;
let api: TestApi;
let worker: INestApplicationContext;
let dir: string;
let env: Record<string, string>;
const sims: SimulatedHost[] = [];
const agents: ChildProcess[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const baseEnv = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '', HOME: dir, HAAAS_TOKEN_CACHE: join(dir, 'tokens.json') });

function haaas(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...baseEnv(), ...env }, cwd: dir, timeout: 180_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A command that must succeed; its json output. */
async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await haaas([...args, '-f', 'json']);
  if (r.code !== 0) throw new Error(`haaas ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const idOf = async (args: string[]): Promise<string> => (await json<{ ID: string }>(args)).ID;

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const running = async (sim: SimulatedHost): Promise<string[]> =>
  (await sim.host.virsh('list', '--name'))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The node agent as the demo runs it (apps/agent), with the token `haaas node token issue` gave. */
function startAgent(name: string, token: string): ChildProcess {
  const home = join(dir, 'agents', name);
  mkdirSync(join(home, 'storage'), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'token'), token, { mode: 0o600 });
  const config = { apiUrl: api.url, tokenFile: join(home, 'token'), intervalSeconds: 1, storage: { path: join(home, 'storage') }, allowPlainHttp: true, actions: { types: ['APPLICATION'] } };
  writeFileSync(join(home, 'agent.json'), JSON.stringify(config), { mode: 0o600 });
  return spawn(process.execPath, [join(ROOT, 'tools', 'run.js'), join(ROOT, 'apps', 'agent', 'src', 'main.ts'), '--config', join(home, 'agent.json')], { stdio: 'ignore' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'haaas-cli-dc-'));
  const redisUrl = testRedisUrl(20);
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  await redis.quit();
  keystone = await startKeystone();
  const s = keystone.fixture.service;
  api = await startTestApi({ HAAAS_REDIS_URL: redisUrl, HAAAS_KEYSTONE_URL: keystone.authUrl, HAAAS_KEYSTONE_USERNAME: s.name, HAAAS_KEYSTONE_PASSWORD: s.password });
  await keystone.registerHaEndpoint(api.url);
  worker = await startWorker(api.config, { logger: false });
  for (const name of HOSTS) sims.push(await startSimulatedHost({ name, user: 'admin', password: `pw-${name}` }));
  const { alice, projectA, domain } = keystone.fixture;
  env = { OS_AUTH_URL: keystone.authUrl, OS_USERNAME: alice.name, OS_PASSWORD: alice.password, OS_USER_DOMAIN_NAME: domain.name, OS_PROJECT_NAME: projectA.name, OS_PROJECT_DOMAIN_NAME: domain.name };
}, 900_000);

afterAll(async () => {
  for (const a of agents) a.kill('SIGTERM');
  await Promise.all(sims.map((s) => s.stop()));
  await worker?.close();
  await api?.close();
  await keystone?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('haaas CLI: the lifecycle of a cluster in the demo datacenter', () => {
  it('create, join, fence, domains, services, start HA, relocate --wait, a host crash told by event list --follow, incident show', async () => {
    // --- the cluster and its inventory, all through the CLI
    const cluster = await idOf(['cluster', 'create', 'cli-dc', '--hypervisor', 'KVM', '--heartbeat-source', 'AGENT', '--heartbeat-interval', '1', '--deadtime', '3', '--fencing-required', '--min-healthy-nodes', '2']);
    const nodes: string[] = [];
    for (const sim of sims) {
      const node = await idOf(['node', 'join', `${sim.name}.demo.local`, '--cluster', cluster, '--endpoint-uri', sim.host.uri, '--cpus', '16', '--memory-mb', '65536']);
      const options = Object.entries(sim.bmc.fenceOptions()).filter(([k]) => k !== 'password');
      const device = await idOf(['fencing', 'device', 'add', `${sim.name}-bmc`, '--cluster', cluster, '--agent', 'fence_ipmilan', ...options.flatMap(([k, v]) => ['--option', `${k}=${v}`]), '--secret-option', `password=${sim.bmc.password}`]);
      expect((await haaas(['fencing', 'device', 'associate', device, node, '--level', '1'])).code).toBe(0);
      nodes.push(node);
    }
    const [n1, n2, n3] = nodes as [string, string, string];
    // db prefers host1; web prefers host2, then host3, then host1 (no failback: where it is moved, it stays)
    const dbDomain = await idOf(['failover', 'domain', 'create', 'prefer-host1', '--cluster', cluster, '--member', `${n1}:1`, '--member', `${n2}:2`, '--member', `${n3}:3`, '--ordered', '--restricted']);
    const webDomain = await idOf(['failover', 'domain', 'create', 'prefer-host2', '--cluster', cluster, '--member', `${n2}:1`, '--member', `${n3}:2`, '--member', `${n1}:3`, '--ordered', '--restricted', '--nofailback']);
    const services: Record<string, string> = {};
    for (const [name, home, domain, priority] of [['db', sims[0], dbDomain, '1000'], ['web', sims[1], webDomain, '800']] as const) {
      // the VM exists on its home host (the hypervisor's side); HAaaS keeps its definition to register it elsewhere
      const xml = join(dir, `${name}-vm.xml`);
      writeFileSync(xml, testDomainXml({ name: `${name}-vm`, memoryKiB: 262144 }));
      await home?.host.virsh('define', xml);
      const resource = await idOf(['resource', 'create', `${name}-vm`, '--cluster', cluster, '--vm', `${name}-vm`]);
      services[name] = await idOf(['service', 'create', name, '--cluster', cluster, '--resource', resource, '--priority', priority, '--failover-domain', domain, '--recovery', 'RELOCATE']);
    }
    const web = services['web'] as string;

    // --- agents with the tokens the CLI issues; every node ONLINE
    for (const [i, sim] of sims.entries()) {
      const issued = await json<{ token: string }>(['node', 'token', 'issue', nodes[i] as string]);
      agents.push(startAgent(sim.name, issued.token));
    }
    await until('every node ONLINE', 120_000, async () => {
      const listed = await json<{ Status: string }[]>(['node', 'list', '--cluster', cluster]);
      return listed.length === 3 && listed.every((n) => n.Status === 'ONLINE') ? true : undefined;
    });

    // --- HA on, services started, each waited for (progress as plain lines when piped)
    const start = await haaas(['cluster', 'start', cluster, '--wait', '-f', 'json']);
    expect(start.code).toBe(0);
    expect(JSON.parse(start.stdout)).toMatchObject({ Kind: 'CLUSTER_START', State: 'SUCCEEDED', Progress: 100 });
    // the keys apps/cli/README.md documents (an action prints the operation's show keys)
    const keys = documentedCliKeys();
    expect(Object.keys(JSON.parse(start.stdout) as object)).toEqual(keys.get('operation')?.show);
    expect(start.stderr).toMatch(/^CLUSTER_START [A-Z]+ \d+%/m);
    for (const id of Object.values(services)) expect(await json(['service', 'start', id, '--wait'])).toMatchObject({ Kind: 'SERVICE_START', State: 'SUCCEEDED' });
    expect(await running(sims[0] as SimulatedHost)).toContain('db-vm');
    expect(await running(sims[1] as SimulatedHost)).toContain('web-vm');

    // --- relocate web to host3 and wait: libvirt says where it runs
    const moved = await haaas(['service', 'relocate', web, '--target', n3, '--wait', '-f', 'value', '-c', 'Kind', '-c', 'State']);
    expect(moved).toMatchObject({ code: 0, stdout: 'SERVICE_RELOCATE\nSUCCEEDED\n' });
    expect(await running(sims[2] as SimulatedHost)).toContain('web-vm');
    expect(await running(sims[1] as SimulatedHost)).not.toContain('web-vm');
    expect((await haaas(['service', 'show', web, '-f', 'value', '-c', 'Node'])).stdout).toBe('host3.demo.local\n');

    // --- follow the cluster log live; open once a change shows up in the stream
    const follower = spawn(process.execPath, [BIN, 'event', 'list', '--cluster', cluster, '--follow', '-f', 'json'], { env: { ...baseEnv(), ...env }, cwd: dir });
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => follower.once('exit', (code) => r(code)));
    const events = (): { Type: string; Message: string | null }[] =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { Type: string; Message: string | null });
    await until('the live log to open', 30_000, async () => {
      if (events().some((e) => e.Type === 'cluster.updated')) return true;
      expect((await haaas(['cluster', 'set', cluster, '--description', `watching ${Date.now()}`])).code).toBe(0);
      return undefined;
    });

    // --- crash host3 the way an operator of the demo does: `npm run demo -- kill host3`
    const state = join(dir, 'demo.json');
    const hosts = sims.map((sim, i) => ({ name: sim.name, nodeId: nodes[i], uri: sim.host.uri, dir: sim.host.dir, script: sim.host.script, agentPid: agents[i]?.pid ?? null }));
    writeFileSync(state, JSON.stringify({ clusterId: cluster, hosts }));
    const killed = await new Promise<Run>((done) =>
      execFile(process.execPath, [join(ROOT, 'tools', 'run.js'), join(ROOT, 'tools', 'demo.ts'), 'kill', 'host3'], { env: { ...process.env, HAAAS_DEMO_STATE: state } }, (error, stdout, stderr) =>
        done({ code: error ? 1 : 0, stdout, stderr }),
      ),
    );
    expect(killed).toMatchObject({ code: 0, stdout: expect.stringContaining('host3 crashed') });

    // --- the stream tells the failover in order: failed, fenced, web recovered, incident closed
    await until('incident.recovered in the live log', 120_000, async () => (events().some((e) => e.Type === 'incident.recovered') ? true : undefined));
    const types = events().map((e) => e.Type);
    expect(Object.keys(events()[0] ?? {})).toEqual(keys.get('event')?.list);
    const at = (t: string): number => types.indexOf(t);
    expect(at('node.failed')).toBeGreaterThanOrEqual(0);
    expect(at('node.fenced')).toBeGreaterThan(at('node.failed'));
    expect(at('service.recovered')).toBeGreaterThan(at('node.fenced'));
    expect(at('incident.recovered')).toBeGreaterThanOrEqual(at('service.recovered'));
    follower.kill('SIGINT');
    expect(await exited).toBe(130);

    // --- what the hypervisors and the BMC say: host3 was powered off by its BMC, web runs once, on host2
    expect((sims[2] as SimulatedHost).bmc.chassisLog()).toContain('set power 0');
    expect(await running(sims[1] as SimulatedHost)).toContain('web-vm');
    expect(await running(sims[0] as SimulatedHost)).not.toContain('web-vm');
    expect(await running(sims[0] as SimulatedHost)).toContain('db-vm');

    // --- the incident, through the CLI
    const incidents = await json<{ ID: string; Node: string; State: string }[]>(['incident', 'list', '--cluster', cluster]);
    expect(incidents).toEqual([expect.objectContaining({ Node: 'host3.demo.local', State: 'RECOVERED' })]);
    expect(Object.keys(incidents[0] ?? {})).toEqual(keys.get('incident')?.list);
    const incident = await json<Record<string, unknown>>(['incident', 'show', (incidents[0] as { ID: string }).ID]);
    expect(Object.keys(incident)).toEqual(keys.get('incident')?.show);
    expect(incident).toMatchObject({ 'Cluster ID': cluster, 'Node ID': n3, Node: 'host3.demo.local', State: 'RECOVERED' });
    expect(incident['Fenced At']).toEqual(expect.any(String));
    expect(JSON.stringify(incident['Services'])).toContain(web);
    expect((await haaas(['service', 'show', web, '-f', 'value', '-c', 'State', '-c', 'Node'])).stdout).toBe('STARTED\nhost2.demo.local\n');
  }, 600_000);
});
