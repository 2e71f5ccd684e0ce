import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { documentedCliKeys, startKeystone, type KeystonePeer, type KeystoneUser } from '@haaas/testing';
import { startTestApi, type TestApi } from './support/api';

// The real `haaas` process against a real Keystone and the real API (its endpoint from the catalog).
const BIN = resolve(__dirname, '..', '..', 'apps', 'cli', 'bin', 'haaas.js');
let keystone: KeystonePeer;
let api: TestApi;
let home: string;
/** HAAAS_KEYSTONE_CACHE_SECONDS of the API here: how late a revocation may be noticed. */
const BOUND_S = 10;
/** The json/yaml keys apps/cli/README.md documents for each object: the output must have exactly these. */
const KEYS = documentedCliKeys();
const keysOf = (object: string, kind: 'list' | 'show'): readonly string[] | undefined => KEYS.get(object)?.[kind];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function haaas(args: string[], env: Record<string, string>, cwd = home): Promise<Run> {
  return new Promise((done) => {
    // only what the test gives: no OS_* of the machine running the tests
    const base = { PATH: process.env['PATH'] ?? '', HOME: home, HAAAS_TOKEN_CACHE: join(home, 'tokens.json') };
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env }, cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

function passwordEnv(user: KeystoneUser, project: string): Record<string, string> {
  return {
    OS_AUTH_URL: keystone.authUrl,
    OS_USERNAME: user.name,
    OS_PASSWORD: user.password,
    OS_USER_DOMAIN_NAME: keystone.fixture.domain.name,
    OS_PROJECT_NAME: project,
    OS_PROJECT_DOMAIN_NAME: keystone.fixture.domain.name,
  };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'haaas-cli-'));
  keystone = await startKeystone();
  const s = keystone.fixture.service;
  api = await startTestApi({ HAAAS_KEYSTONE_URL: keystone.authUrl, HAAAS_KEYSTONE_USERNAME: s.name, HAAAS_KEYSTONE_PASSWORD: s.password, HAAAS_KEYSTONE_ADMIN_ROLES: 'haaas_admin', HAAAS_KEYSTONE_CACHE_SECONDS: String(BOUND_S) });
  await keystone.registerHaEndpoint(api.url);
}, 900_000);

afterAll(async () => {
  await api?.close();
  await keystone?.stop();
});

describe('haaas CLI: log in each way, against the real Keystone and API', () => {
  let clusterId = '';

  it('password (OS_* variables): endpoint from the catalog, json output with the documented keys, tokens cached 0600', async () => {
    const { alice, projectA } = keystone.fixture;
    const created = await haaas(['cluster', 'create', 'cli-east', '--hypervisor', 'KVM', '-f', 'json'], passwordEnv(alice, projectA.name));
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const cluster = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(Object.keys(cluster)).toEqual(keysOf('cluster', 'show'));
    expect(cluster).toMatchObject({ Name: 'cli-east', Hypervisor: 'KVM', State: 'STOPPED' });
    clusterId = String(cluster['ID']);
    expect(statSync(join(home, 'tokens.json')).mode & 0o777).toBe(0o600);
    const listed = await haaas(['cluster', 'list', '-f', 'json'], passwordEnv(alice, projectA.name));
    expect(JSON.parse(listed.stdout)).toEqual([{ ID: clusterId, Name: 'cli-east', Hypervisor: 'KVM', State: 'STOPPED', Quorate: false, Nodes: 0 }]);
    expect(Object.keys((JSON.parse(listed.stdout) as object[])[0] ?? {})).toEqual(keysOf('cluster', 'list'));
  });

  it('v3token (OS_TOKEN), value format with -c', async () => {
    const { alice, projectA } = keystone.fixture;
    const { token } = await keystone.issueToken(alice, projectA.id);
    const res = await haaas(['cluster', 'list', '-f', 'value', '-c', 'Name', '-c', 'State'], { OS_AUTH_URL: keystone.authUrl, OS_AUTH_TYPE: 'v3token', OS_TOKEN: token, OS_PROJECT_ID: projectA.id });
    expect(res).toMatchObject({ code: 0, stdout: 'cli-east STOPPED\n' });
  });

  it('v3applicationcredential, yaml and shell formats of show', async () => {
    const { appCredential } = keystone.fixture;
    const env = { OS_AUTH_URL: keystone.authUrl, OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: appCredential.id, OS_APPLICATION_CREDENTIAL_SECRET: appCredential.secret };
    const yaml = await haaas(['cluster', 'show', clusterId, '-f', 'yaml', '-c', 'Name', '-c', 'Hypervisor'], env);
    expect(yaml).toMatchObject({ code: 0, stdout: 'Name: cli-east\nHypervisor: KVM\n' });
    const shell = await haaas(['cluster', 'show', clusterId, '-f', 'shell', '--prefix', 'c_', '-c', 'ID', '-c', 'State'], env);
    expect(shell.stdout).toBe(`c_id="${clusterId}"\nc_state="STOPPED"\n`);
  });

  it('clouds.yaml with the password in secure.yaml (--os-cloud), csv and table', async () => {
    const { alice, projectA, domain } = keystone.fixture;
    const dir = mkdtempSync(join(tmpdir(), 'haaas-clouds-'));
    const auth = `      auth_url: ${keystone.authUrl}\n      username: ${alice.name}\n      user_domain_name: ${domain.name}\n      project_name: ${projectA.name}\n      project_domain_name: ${domain.name}\n`;
    writeFileSync(join(dir, 'clouds.yaml'), `clouds:\n  lab:\n    auth:\n${auth}`);
    writeFileSync(join(dir, 'secure.yaml'), `clouds:\n  lab:\n    auth:\n      password: ${alice.password}\n`);
    const csv = await haaas(['--os-cloud', 'lab', 'cluster', 'list', '-f', 'csv', '-c', 'Name', '-c', 'Nodes'], { HAAAS_NO_TOKEN_CACHE: '1' }, dir);
    expect(csv).toMatchObject({ code: 0, stdout: '"Name","Nodes"\n"cli-east",0\n' });
    const table = await haaas(['cluster', 'list', '-c', 'Name', '-c', 'State'], { OS_CLOUD: 'lab', HAAAS_NO_TOKEN_CACHE: '1' }, dir);
    expect(table.stdout).toBe(['+----------+---------+', '| Name     | State   |', '+----------+---------+', '| cli-east | STOPPED |', '+----------+---------+', ''].join('\n'));
    const unknown = await haaas(['--os-cloud', 'nope', 'cluster', 'list'], {}, dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/cloud "nope" was not found in .*clouds\.yaml/);
  });
});

describe('haaas CLI: the inventory of a cluster', () => {
  it('nodes, resources, a service, a failover domain, fencing; suspending a STOPPED cluster is refused; admins see tenants and set quotas', async () => {
    const { alice, ada, projectA } = keystone.fixture;
    const env = passwordEnv(alice, projectA.name);
    const value = async (args: string[], as = env): Promise<string> => {
      const r = await haaas([...args, '-f', 'value', '-c', 'ID'], as);
      expect(r.stderr).toBe('');
      return r.stdout.trim();
    };
    const cluster = await value(['cluster', 'create', 'cli-inv', '--hypervisor', 'KVM']);
    const n1 = await value(['node', 'join', 'kvm-1.cli', '--cluster', cluster, '--endpoint-uri', 'test:///default', '--cpus', '8', '--memory-mb', '16384']);
    const n2 = await value(['node', 'join', 'kvm-2.cli', '--cluster', cluster, '--endpoint-uri', 'test:///default', '--cpus', '8', '--memory-mb', '16384']);
    const vm = await value(['resource', 'create', 'web-vm', '--cluster', cluster, '--vm', 'web']);
    const ip = await value(['resource', 'create', 'web-ip', '--cluster', cluster, '--ip', '10.0.0.10/24']);
    const domain = await value(['failover', 'domain', 'create', 'pref', '--cluster', cluster, '--member', `${n1}:1`, '--member', `${n2}:2`, '--ordered']);
    const service = await value(['service', 'create', 'web', '--cluster', cluster, '--resource', vm, '--priority', '500', '--failover-domain', domain]);
    expect(await value(['service', 'add', 'resource', service, ip])).toBe(service);
    const shown = JSON.parse((await haaas(['service', 'show', service, '-f', 'json'], env)).stdout) as { Resources: { id: string }[]; Policy: { priority: number; failoverDomainId: string } };
    expect(Object.keys(shown)).toEqual(keysOf('service', 'show'));
    // every other object, list and show, in the formats that carry keys (json, yaml, csv's header)
    const keyed: [string, string[], string[]][] = [
      ['node', ['node', 'list', '--cluster', cluster], ['node', 'show', n1]],
      ['resource', ['resource', 'list', '--cluster', cluster], ['resource', 'show', vm]],
      ['service', ['service', 'list', '--cluster', cluster], ['service', 'show', service]],
      ['failover domain', ['failover', 'domain', 'list', '--cluster', cluster], ['failover', 'domain', 'show', domain]],
      ['fence agent', ['fence', 'agent', 'list'], ['fence', 'agent', 'show', 'builtin:libvirt']],
    ];
    for (const [object, list, show] of keyed) {
      const rows = JSON.parse((await haaas([...list, '-f', 'json'], env)).stdout) as object[];
      expect([object, Object.keys(rows[0] ?? {})]).toEqual([object, keysOf(object, 'list')]);
      const csvHeader = (await haaas([...list, '-f', 'csv'], env)).stdout.split('\n')[0];
      expect([object, csvHeader]).toEqual([object, keysOf(object, 'list')?.map((k) => `"${k}"`).join(',')]);
      const yamlKeys = [...(await haaas([...show, '-f', 'yaml'], env)).stdout.matchAll(/^([^\s:][^:]*):/gm)].map((m) => m[1]);
      expect([object, yamlKeys]).toEqual([object, keysOf(object, 'show')]);
    }
    expect(shown.Resources.map((r) => r.id)).toEqual([vm, ip]);
    expect(shown.Policy).toMatchObject({ priority: 500, failoverDomainId: domain });
    const device = await value(['fencing', 'device', 'add', 'virt', '--cluster', cluster, '--agent', 'builtin:libvirt']);
    expect((await haaas(['fencing', 'device', 'associate', device, n1, '--level', '1'], env)).code).toBe(0);
    const devices = JSON.parse((await haaas(['fencing', 'device', 'list', '--cluster', cluster, '-f', 'json'], env)).stdout) as Record<string, unknown>[];
    expect(devices).toEqual([{ ID: device, Name: 'virt', Agent: 'builtin:libvirt', Cluster: 'cli-inv', Nodes: 1 }]);
    expect(Object.keys(JSON.parse((await haaas(['fencing', 'device', 'show', device, '-f', 'json'], env)).stdout) as object)).toEqual(keysOf('fencing device', 'show'));
    const nodes = await haaas(['node', 'list', '--cluster', cluster, '-f', 'value', '-c', 'Hostname', '--sort-column', 'Hostname'], env);
    expect(nodes.stdout).toBe('kvm-1.cli\nkvm-2.cli\n');
    // HA is not started (STOPPED): the API refuses to suspend it before any Operation is queued
    const suspend = await haaas(['cluster', 'suspend', cluster, '-f', 'json'], env);
    expect(suspend).toMatchObject({ code: 1, stdout: '' });
    expect(suspend.stderr).toMatch(/^haaas: PRECONDITION_FAILED: cluster "cli-inv" is STOPPED: HA is not started, there is no monitoring to suspend \(request [\w-]+\)\n$/);
    expect(JSON.parse((await haaas(['operation', 'list', '--cluster', cluster, '-f', 'json'], env)).stdout)).toEqual([]);
    expect((await haaas(['operation', 'list', '--cluster', cluster, '-f', 'csv', '--print-empty'], env)).stdout.split('\n')[0]).toBe(keysOf('operation', 'list')?.map((k) => `"${k}"`).join(','));
    // platform admin (Keystone role haaas_admin): tenants and quotas
    const admin = passwordEnv(ada, projectA.name);
    expect((await haaas(['tenant', 'list', '-f', 'value', '-c', 'ID'], admin)).stdout).toContain(projectA.id);
    const quota = JSON.parse((await haaas(['quota', 'set', projectA.id, '--clusters', '7', '-f', 'json', '-c', 'Quota'], admin)).stdout) as { Quota: { maxClusters: number } };
    expect(quota.Quota.maxClusters).toBe(7);
    expect(Object.keys(JSON.parse((await haaas(['tenant', 'show', projectA.id, '-f', 'json'], admin)).stdout) as object)).toEqual(keysOf('tenant, quota', 'show'));
    expect((await haaas(['tenant', 'list'], env)).stderr).toMatch(/^haaas: FORBIDDEN: /);
  }, 240_000); // about 30 CLI runs: 100 s on a loaded machine
});

describe('haaas CLI: heartbeat source and policy', () => {
  it('cluster create/set --heartbeat-source and policy options, shown by cluster show; KVM has no manager channel', async () => {
    const { alice, projectA } = keystone.fixture;
    const env = passwordEnv(alice, projectA.name);
    const created = await haaas(['cluster', 'create', 'cli-vc', '--hypervisor', 'VSPHERE', '--heartbeat-source', 'BOTH', '--deadtime', '12', '--no-fencing-required', '-f', 'json'], env);
    expect(created.stderr).toBe('');
    const c = JSON.parse(created.stdout) as { ID: string; 'Heartbeat Source': string; Policy: Record<string, unknown> };
    expect(c['Heartbeat Source']).toBe('BOTH');
    expect(c.Policy).toMatchObject({ deadtimeSeconds: 12, fencingRequired: false });
    const set = await haaas(['cluster', 'set', c.ID, '--heartbeat-source', 'AGENT', '--min-healthy-nodes', '1'], env);
    expect(set.code).toBe(0);
    const shown = await haaas(['cluster', 'show', c.ID, '-f', 'shell', '-c', 'Heartbeat Source'], env);
    expect(shown.stdout).toBe('heartbeat_source="AGENT"\n');
    const policy = JSON.parse((await haaas(['cluster', 'show', c.ID, '-f', 'json', '-c', 'Policy'], env)).stdout) as { Policy: Record<string, unknown> };
    expect(policy.Policy).toMatchObject({ deadtimeSeconds: 12, fencingRequired: false, minHealthyNodes: 1 });
    const kvm = await haaas(['cluster', 'create', 'cli-kvm-mgr', '--hypervisor', 'KVM', '--heartbeat-source', 'MANAGER'], env);
    expect(kvm).toMatchObject({ code: 1, stdout: '' });
    expect(kvm.stderr).toMatch(/^haaas: [A-Z_]+: .*MANAGER.*\(request [\w-]+\)\n$/);
    const bad = await haaas(['cluster', 'set', c.ID, '--heartbeat-source', 'PIGEON'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid values:[\s\S]*heartbeat-source/);
    expect((await haaas(['cluster', 'delete', c.ID], env)).code).toBe(0);
  });
});

describe('haaas CLI: live cluster log', () => {
  it('event list --follow streams what happens (graphql-ws with the Keystone token); Ctrl-C exits 130', async () => {
    const { alice, projectA } = keystone.fixture;
    const env = passwordEnv(alice, projectA.name);
    const id = JSON.parse((await haaas(['cluster', 'list', '-f', 'json'], env)).stdout)[0].ID as string;
    const follower = spawn(process.execPath, [BIN, 'event', 'list', '--cluster', id, '--follow', '-f', 'json'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, HAAAS_TOKEN_CACHE: join(home, 'tokens.json'), ...env },
    });
    let out = '';
    let err = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    follower.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => follower.once('exit', (code) => r(code)));
    // changes until one shows up: the subscription is open only once the process has started
    const deadline = Date.now() + 30_000;
    for (let i = 0; !out.includes('cluster.updated') && Date.now() < deadline; i++) {
      expect((await haaas(['cluster', 'set', id, '--description', `live ${i}`], env)).code).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
    }
    const first = JSON.parse(out.split('\n')[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['ID', 'At', 'Type', 'Actor', 'Message']);
    expect(first['Type']).toBe('cluster.updated');
    follower.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toBe('haaas: interrupted\n');
  }, 60_000);
});

describe('haaas CLI: roles, tenants, errors and exit codes', () => {
  it('a reader cannot change anything: exit 1, the code and request id on one stderr line', async () => {
    const { rita, projectA } = keystone.fixture;
    const res = await haaas(['cluster', 'create', 'nope', '--hypervisor', 'KVM'], passwordEnv(rita, projectA.name));
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^haaas: FORBIDDEN: .*reader.* \(request [\w-]+\)\n$/);
  });

  it('a member of project B sees nothing of project A: empty list, another tenant’s id is NOT_FOUND', async () => {
    const { bob, projectB, alice, projectA } = keystone.fixture;
    const id = JSON.parse((await haaas(['cluster', 'list', '-f', 'json'], passwordEnv(alice, projectA.name))).stdout)[0].ID as string;
    const list = await haaas(['cluster', 'list', '-f', 'json'], passwordEnv(bob, projectB.name));
    expect(list).toMatchObject({ code: 0, stdout: '[]\n' });
    const show = await haaas(['cluster', 'show', id], passwordEnv(bob, projectB.name));
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/^haaas: NOT_FOUND: /);
  });

  it('a wrong password: exit 1 with Keystone’s refusal', async () => {
    const { alice, projectA } = keystone.fixture;
    const res = await haaas(['cluster', 'list'], { ...passwordEnv(alice, projectA.name), OS_PASSWORD: 'wrong', HAAAS_NO_TOKEN_CACHE: '1' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^haaas: UNAUTHENTICATED: Keystone refused the credentials \(HTTP 401\)/);
  });

  it('usage errors exit 2: unknown object (did you mean), bad option, bad format', async () => {
    const env = { HAAAS_URL: api.url, HAAAS_TOKEN: await api.token('cli-jwt', ['member']) };
    const typo = await haaas(['clustr', 'list'], env);
    expect(typo).toMatchObject({ code: 2 });
    expect(typo.stderr).toMatch(/Did you mean cluster\?/);
    expect((await haaas(['cluster', 'list', '--bogus'], env)).stderr).toMatch(/Unknown argument: bogus/);
    const format = await haaas(['cluster', 'list', '-f', 'xml'], env);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/invalid format "xml"/);
    // HAAAS_TOKEN: a plain HAaaS JWT works without Keystone
    expect(await haaas(['cluster', 'list', '-f', 'json'], env)).toMatchObject({ code: 0, stdout: '[]\n' });
  });
});

describe('haaas CLI: revoked and expired tokens, Keystone down', () => {
  const v3token = (token: string, cache: string): Record<string, string> => ({
    OS_AUTH_URL: keystone.authUrl, OS_AUTH_TYPE: 'v3token', OS_TOKEN: token, OS_PROJECT_ID: keystone.fixture.projectA.id, HAAAS_TOKEN_CACHE: join(home, cache),
  });
  const graphql = async (keystoneToken: string): Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }> =>
    (await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': keystoneToken }, body: JSON.stringify({ query: '{ clusters { nodes { id } } }' }) })).json() as Promise<{ data?: unknown }>;

  it(`a revoked token (DELETE /v3/auth/tokens) is refused within the documented bound (${BOUND_S} s here)`, async () => {
    const { alice, projectA } = keystone.fixture;
    const { token } = await keystone.issueToken(alice, projectA.id);
    const env = v3token(token, 'revoke.json');
    // the token the CLI works with (and caches): the one Keystone gave for OS_TOKEN in this project
    const session = await haaas(['token', 'issue', '-f', 'value', '-c', 'id'], env);
    expect(session.code).toBe(0);
    const cached = session.stdout.trim();
    expect((await haaas(['cluster', 'list', '-f', 'value', '-c', 'Name'], env)).code).toBe(0);
    // revoke both: the CLI, refused with its cached token, logs in again with OS_TOKEN
    await keystone.revoke(cached);
    await keystone.revoke(token);
    const revokedAt = Date.now();
    let refused: { code: number; stderr: string } | undefined;
    while (!refused && Date.now() - revokedAt < (BOUND_S + 20) * 1000) {
      const r = await haaas(['cluster', 'list'], env);
      if (r.code !== 0) refused = r;
    }
    const after = (Date.now() - revokedAt) / 1000;
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/^haaas: UNAUTHENTICATED: [^\n]+\n$/);
    // one CLI run of slack past the bound (a run takes ~1-2 s on a loaded machine)
    expect(after).toBeLessThan(BOUND_S + 8);
    // and the API itself: the revoked token is refused now
    expect((await graphql(cached)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }, 120_000);

  it('Keystone down: a clear one-line error naming Keystone, exit 1; expired tokens refused at once once it is back', async () => {
    const { alice, projectA } = keystone.fixture;
    await keystone.stop({ keepDir: true });
    const down = await haaas(['cluster', 'list'], { ...passwordEnv(alice, projectA.name), HAAAS_NO_TOKEN_CACHE: '1' });
    expect(down).toMatchObject({ code: 1, stdout: '' });
    expect(down.stderr).toMatch(new RegExp(`^haaas: NETWORK_ERROR: cannot reach Keystone at ${keystone.authUrl.replace(/[.]/g, '\\.')}[^\n]*\n$`));

    // back, issuing tokens of 8 s: a validation cached for up to BOUND_S (10 s) never outlives its token
    await keystone.restart({ tokenExpirationSeconds: 8 });
    const { token, expiresAt } = await keystone.issueToken(alice, projectA.id);
    expect((await graphql(token)).errors).toBeUndefined();
    const expiry = Date.parse(expiresAt);
    expect(expiry - Date.now()).toBeLessThan(BOUND_S * 1000);
    await new Promise((r) => setTimeout(r, Math.max(0, expiry - Date.now()) + 200));
    expect((await graphql(token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const expired = await haaas(['cluster', 'list'], v3token(token, 'expired.json'));
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/^haaas: UNAUTHENTICATED: Keystone refused the credentials \(HTTP 40[14]\)[^\n]*\n$/);
  }, 120_000);
});
