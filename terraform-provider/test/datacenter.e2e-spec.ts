/**
 * A full datacenter declared in HCL and applied by real Terraform and real OpenTofu against the demo's
 * simulated KVM hosts: libvirtd test-driver hosts with ipmi_sim BMCs, node agents, the API and a
 * worker (detector, operations, recovery). One apply creates the cluster, 3 nodes, IPMI fencing,
 * failover domains, 5 VM services RUNNING and HA (haaas_cluster_ha, ordered after the nodes and
 * fencing). A host then crashes; after the failover, judged by libvirt and the BMC, the next plan
 * is empty: what the engine moved is read-only. Then HA itself: stopped behind Terraform's back
 * (haaas_cluster_ha reads as gone, the services as STOPPED) and started again by the next apply;
 * haaas_cluster_ha imported into a fresh directory and replaced there (stopCluster, startCluster);
 * haaas_cluster_ha destroyed (HA stops); the same cluster driven by `ha_enabled` instead (true
 * starts HA through the startCluster operation, false stops it through stopCluster; HA started
 * through GraphQL shows as drift and is stopped again); and
 * destroy, with everything gone from the API and no VM left running in libvirt. Under Terraform and
 * OpenTofu, each with its own hosts and tenant.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testDomainXml } from '@haaas/adapter-kvm/testing';
import { type SimulatedHost, startSimulatedHost } from '@haaas/fencing/testing';
import { testRedisUrl } from '@haaas/testing';
import { importBlocks, providerHcl, useCli, useProviderLab } from './support/cli';
import { CLUSTER, datacenterHcl, hostname, SERVICES } from './support/datacenter.hcl';

jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '..', '..');

const lab = useProviderLab({ redisUrl: testRedisUrl(16), worker: true });

describe.each(['terraform', 'tofu'] as const)('a full datacenter in HCL on the simulated KVM hosts under %s, then a host crash', (name) => {
  const t = useCli(lab, name, { tenant: `tenant-dc-${name}` });
  let dir: string;
  const sims: SimulatedHost[] = [];
  const agents = new Map<number, ChildProcess>();

  beforeAll(async () => {
    if (!lab.cli(name)) return;
    dir = mkdtempSync(join(tmpdir(), 'haaas-tf-dc-'));
    for (let i = 0; i < 3; i++) sims.push(await startSimulatedHost({ name: `host${i + 1}`, user: 'admin', password: randomBytes(6).toString('hex') }));
    // the VMs exist on their home hosts; HAaaS keeps their definitions to register them elsewhere
    for (const s of SERVICES) {
      const xml = join(dir, `${s.name}-vm.xml`);
      writeFileSync(xml, testDomainXml({ name: `${s.name}-vm`, memoryKiB: 262144 }));
      await sims[s.home]?.host.virsh('define', xml);
    }
  }, 180_000);

  afterAll(async () => {
    for (const a of agents.values()) a.kill('SIGTERM');
    await Promise.all(sims.map((s) => s.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const gql = <T>(q: string, v: Record<string, unknown> = {}): Promise<T> => t.gql<T>(q, v);

  /** The hosts' provisioning, outside Terraform: each node's agent is enrolled once the node exists. */
  async function enrolAgentsAsNodesAppear(until: Promise<unknown>): Promise<void> {
    let done = false;
    void until.finally(() => (done = true));
    while (!done && agents.size < sims.length) {
      const r = await gql<{ nodes: { nodes: { id: string; hostname: string }[] } }>('{ nodes(first: 50) { nodes { id hostname } } }');
      for (const node of r.nodes.nodes) {
        const i = sims.findIndex((_, k) => hostname(k) === node.hostname);
        if (i >= 0 && !agents.has(i)) agents.set(i, await startAgent(node.id, i));
      }
      await new Promise((res) => setTimeout(res, 300));
    }
  }

  async function startAgent(nodeId: string, i: number): Promise<ChildProcess> {
    const issued = await gql<{ issueNodeAgentToken: { token: string } }>('mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { token } }', { n: nodeId });
    const adir = join(dir, `agent${i}`);
    mkdirSync(join(adir, 'storage'), { recursive: true, mode: 0o700 });
    writeFileSync(join(adir, 'token'), issued.issueNodeAgentToken.token, { mode: 0o600 });
    const config = { apiUrl: lab.api.url, tokenFile: join(adir, 'token'), intervalSeconds: 1, storage: { path: join(adir, 'storage') }, allowPlainHttp: true, actions: { types: ['APPLICATION'] } };
    writeFileSync(join(adir, 'agent.json'), JSON.stringify(config), { mode: 0o600 });
    return spawn(process.execPath, [join(ROOT, 'tools', 'run.js'), join(ROOT, 'apps', 'agent', 'src', 'main.ts'), '--config', join(adir, 'agent.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }

  const running = async (): Promise<Map<string, string[]>> => {
    const where = new Map<string, string[]>();
    for (const sim of sims) {
      const list = await sim.host.virsh('list', '--name').catch(() => '');
      // the services' VMs only (the test driver's own "test" domain runs on every host)
      for (const vm of list.split('\n').map((x) => x.trim()).filter((x) => SERVICES.some((svc) => `${svc.name}-vm` === x))) where.set(vm, [...(where.get(vm) ?? []), sim.name]);
    }
    return where;
  };

  it('one apply builds it all and starts HA and the services; libvirt runs each VM on its home host; the plan is then empty', async () => {
    if (t.skipped()) return;
    t.wd.write({ 'main.tf': datacenterHcl(sims), 'terraform.tfvars.json': JSON.stringify({ bmc_passwords: sims.map((s) => s.bmc.password) }) });
    await t.wd.ok(['init']);
    const apply = t.wd.ok(['apply', '-auto-approve']);
    await enrolAgentsAsNodesAppear(apply);
    const out = await apply;
    expect(out.stdout).toMatch(/Apply complete! Resources: 24 added, 0 changed, 0 destroyed/);

    const s = await t.wd.state();
    expect(s['haaas_cluster_ha.dc']).toMatchObject({ state: 'STARTED', quorate: true });
    for (const svc of SERVICES) {
      expect(s[`haaas_service.${svc.name}`]).toMatchObject({ state: 'RUNNING', status: 'STARTED', current_node_id: s[`haaas_node.h${svc.home}`]?.['id'] });
    }
    const where = await running();
    for (const svc of SERVICES) expect(where.get(`${svc.name}-vm`)).toEqual([`host${svc.home + 1}`]);
    // the BMC passwords are in no plan output and only as sensitive values in state
    expect(out.stdout).not.toContain(sims[0]?.bmc.password);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('host2 crashes: fenced (the BMC powered it off), its VMs restart elsewhere; the plan stays empty and a refresh shows where they run', async () => {
    if (t.skipped()) return;
    const before = await t.wd.state();
    agents.get(1)?.kill('SIGKILL');
    agents.delete(1);
    await sims[1]?.host.crash();

    const cluster = String(before['haaas_cluster.dc']?.['id']);
    const until = Date.now() + 120_000;
    let state = '';
    while (Date.now() < until) {
      const r = await gql<{ incidents: { nodes: { state: string }[] } }>('query($c: ID!) { incidents(filter: { clusterId: $c }) { nodes { state } } }', { c: cluster });
      state = r.incidents.nodes[0]?.state ?? '';
      if (['RECOVERED', 'PARTIALLY_RECOVERED', 'FAILED'].includes(state)) break;
      await new Promise((res) => setTimeout(res, 300));
    }
    expect(state).toBe('RECOVERED');
    expect(sims[1]?.bmc.chassisLog()).toContain('set power 0');
    const where = await running();
    for (const svc of SERVICES) {
      const on = where.get(`${svc.name}-vm`) ?? [];
      expect(on).toHaveLength(1);
      expect(on[0]).not.toBe('host2');
    }

    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/No changes/);
    expect(plan.code).toBe(0);

    await t.wd.ok(['apply', '-refresh-only', '-auto-approve']);
    const after = await t.wd.state();
    const host2 = before['haaas_node.h1']?.['id'];
    for (const svc of SERVICES) expect(after[`haaas_service.${svc.name}`]?.['current_node_id']).not.toBe(host2);
    expect(after['haaas_node.h1']?.['status']).not.toBe('ONLINE');
    expect((await t.wd.plan()).code).toBe(0);
  });

  const clusterId = async (): Promise<string> => String((await t.wd.state())['haaas_cluster.dc']?.['id']);
  const clusterState = async (): Promise<string> => (await gql<{ cluster: { state: string } }>('query($id: ID!) { cluster(id: $id) { state } }', { id: await clusterId() })).cluster.state;
  /** Starts or stops HA through GraphQL (behind Terraform's back) and waits for the operation. */
  async function haBehindTerraform(start: boolean): Promise<void> {
    const m = start ? 'startCluster' : 'stopCluster';
    const r = await gql<Record<string, { id: string }>>(`mutation($id: ID!) { ${m}(id: $id) { id } }`, { id: await clusterId() });
    const op = r[m]?.id;
    for (const until = Date.now() + 120_000; Date.now() < until; await new Promise((res) => setTimeout(res, 300))) {
      const o = await gql<{ operation: { state: string; error: string | null } }>('query($id: ID!) { operation(id: $id) { state error } }', { id: op });
      if (o.operation.state === 'SUCCEEDED') return;
      if (o.operation.state === 'FAILED' || o.operation.state === 'CANCELLED') throw new Error(`${m}: ${o.operation.error ?? o.operation.state}`);
    }
    throw new Error(`${m} did not finish in 120 s`);
  }

  it('HA stopped through GraphQL: the plan shows haaas_cluster_ha to create and the services to start; apply does, libvirt runs them', async () => {
    if (t.skipped()) return;
    await haBehindTerraform(false);
    expect(await clusterState()).toBe('STOPPED');
    expect([...(await running()).keys()]).toEqual([]);
    // two hosts are left: HA may start with two healthy nodes now (an in-place change of the cluster)
    t.wd.write({ 'main.tf': datacenterHcl(sims, { ha: { via: 'resource' }, minHealthy: 2 }) });
    const plan = await t.wd.plan();
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/haaas_cluster_ha\.dc will be created/);
    expect(plan.stdout).toMatch(/~ state\s+= "STOPPED" -> "RUNNING"/);
    expect(plan.stdout).toMatch(/1 to add, 6 to change, 0 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    expect(await clusterState()).toBe('STARTED');
    const where = await running();
    for (const svc of SERVICES) expect(where.get(`${svc.name}-vm`)).toHaveLength(1);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('haaas_cluster_ha imports by cluster id into a fresh directory with equal attributes; a new cluster_id forces replacement; a replacement stops HA and starts it again', async () => {
    if (t.skipped()) return;
    const original = (await t.wd.state())['haaas_cluster_ha.dc'] ?? {};
    const id = String(original['id']);
    const hcl = (clusterId: string): string => `${providerHcl()}\nresource "haaas_cluster_ha" "dc" {\n  cluster_id = ${clusterId}\n}\n`;
    const fresh = t.fresh();
    try {
      fresh.write({ 'main.tf': hcl(`"${id}"`), 'imports.tf': importBlocks({ 'haaas_cluster_ha.dc': id }) });
      await fresh.ok(['init']);
      expect((await fresh.plan()).stdout).toMatch(/1 to import, 0 to add, 0 to change, 0 to destroy/);
      await fresh.ok(['apply', '-auto-approve']);
      const { timeouts: _t, ...rest } = original;
      expect((await fresh.state())['haaas_cluster_ha.dc']).toMatchObject(rest);
      fresh.write({ 'imports.tf': '' });
      expect((await fresh.plan()).code).toBe(0);

      // cluster_id is its one RequiresReplace attribute: another cluster (plan only: starting HA
      // there would need nodes and agents of its own)
      fresh.write({ 'other.tf': `resource "haaas_cluster" "other" {\n  name       = "${CLUSTER}-other"\n  hypervisor = "KVM"\n}\n`, 'main.tf': hcl('haaas_cluster.other.id') });
      const moved = await fresh.plan();
      expect(moved.stdout).toMatch(/haaas_cluster_ha\.dc must be replaced/);
      expect(moved.stdout).toMatch(/cluster_id\s+= "[^"]+"( # forces replacement)? -> \(known after apply\) # forces replacement/);
      fresh.write({ 'other.tf': '', 'main.tf': hcl(`"${id}"`) });

      // replaced (-replace): destroy runs stopCluster, create startCluster, as the operations show
      const ops = async (kind: string): Promise<number> =>
        (await gql<{ operations: { nodes: unknown[] } }>('query($c: ID!, $k: OperationKind!) { operations(first: 500, filter: { targetId: $c, kind: $k, state: SUCCEEDED }) { nodes { id } } }', { c: id, k: kind })).operations.nodes.length;
      const before = { stop: await ops('CLUSTER_STOP'), start: await ops('CLUSTER_START') };
      const replace = await fresh.ok(['apply', '-auto-approve', '-replace=haaas_cluster_ha.dc']);
      expect(replace.stdout).toMatch(/1 added, 0 changed, 1 destroyed/);
      expect({ stop: await ops('CLUSTER_STOP'), start: await ops('CLUSTER_START') }).toEqual({ stop: before.stop + 1, start: before.start + 1 });
      expect(await clusterState()).toBe('STARTED');
      expect((await fresh.state())['haaas_cluster_ha.dc']).toMatchObject({ id, state: 'STARTED', quorate: true });
    } finally {
      fresh.remove();
    }
  });

  it('haaas_cluster_ha taken out of the configuration: destroying it stops HA (stopCluster); nothing runs in libvirt', async () => {
    if (t.skipped()) return;
    t.wd.write({ 'main.tf': datacenterHcl(sims, { ha: { via: 'ha_enabled' }, minHealthy: 2 }) });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/haaas_cluster_ha\.dc will be destroyed/);
    expect(plan.stdout).toMatch(/0 to add, 0 to change, 1 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    expect(await clusterState()).toBe('STOPPED');
    // stopCluster stops the services too; their state is not in the configuration now: no diff
    expect([...(await running()).keys()]).toEqual([]);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('ha_enabled on the cluster: true starts HA (startCluster), false stops it (stopCluster); HA started through GraphQL is drift put back', async () => {
    if (t.skipped()) return;
    t.wd.write({ 'main.tf': datacenterHcl(sims, { ha: { via: 'ha_enabled', enabled: true }, minHealthy: 2 }) });
    const start = await t.wd.plan();
    expect(start.stdout).toMatch(/~ ha_enabled\s+= false -> true/);
    expect(start.stdout).toMatch(/0 to add, 1 to change, 0 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    expect(await clusterState()).toBe('STARTED');
    expect((await t.wd.state())['haaas_cluster.dc']).toMatchObject({ ha_enabled: true, state: 'STARTED', quorate: true });
    expect((await t.wd.plan()).code).toBe(0);

    t.wd.write({ 'main.tf': datacenterHcl(sims, { ha: { via: 'ha_enabled', enabled: false }, minHealthy: 2 }) });
    const stop = await t.wd.plan();
    expect(stop.stdout).toMatch(/haaas_cluster\.dc will be updated in-place/);
    expect(stop.stdout).toMatch(/~ ha_enabled\s+= true -> false/);
    expect(stop.stdout).toMatch(/0 to add, 1 to change, 0 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    expect(await clusterState()).toBe('STOPPED');
    expect([...(await running()).keys()]).toEqual([]);
    expect((await t.wd.state())['haaas_cluster.dc']).toMatchObject({ ha_enabled: false, state: 'STOPPED' });
    expect((await t.wd.plan()).code).toBe(0);

    await haBehindTerraform(true);
    const drift = await t.wd.plan();
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/~ ha_enabled\s+= true -> false/);
    await t.wd.ok(['apply', '-auto-approve']);
    expect(await clusterState()).toBe('STOPPED');
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('destroy removes every object from the API', async () => {
    if (t.skipped()) return;
    const s = await t.wd.state();
    await t.wd.ok(['destroy', '-auto-approve']);
    const gone = await lab.api.gql(t.token, 'query($id: ID!) { cluster(id: $id) { id } }', { id: s['haaas_cluster.dc']?.['id'] });
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const left = await gql<{ nodes: { nodes: unknown[] }; services: { nodes: unknown[] }; fencingDevices: { nodes: unknown[] } }>('{ nodes { nodes { id } } services { nodes { id } } fencingDevices { nodes { id } } }');
    expect(left).toEqual({ nodes: { nodes: [] }, services: { nodes: [] }, fencingDevices: { nodes: [] } });
    expect(await t.wd.state()).toEqual({});
  });
});
