/**
 * A full datacenter declared in HCL and applied by real Terraform (OpenTofu when Terraform is
 * absent: one CLI, the per-resource lifecycle under both is in the other files) against the demo's
 * simulated KVM hosts: libvirtd test-driver hosts with ipmi_sim BMCs, node agents, the API and a
 * worker (detector, operations, recovery). One apply creates the cluster, 3 nodes, IPMI fencing,
 * failover domains, 5 VM services RUNNING and HA (haaas_cluster_ha, ordered after the nodes and
 * fencing). A host then crashes; after the failover, judged by libvirt and the BMC, the next plan
 * is empty: what the engine moved is read-only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testDomainXml } from '@haaas/adapter-kvm/testing';
import { type SimulatedHost, startSimulatedHost } from '@haaas/fencing/testing';
import { testRedisUrl } from '@haaas/testing';
import { type Cli, useProviderLab, Workdir } from './support/cli';

jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '..', '..');
const CLUSTER = 'tf-dc';
/** The demo's services: name, priority, home host (index), recovery action. */
const SERVICES = [
  { name: 'db', priority: 1000, home: 0, action: 'RESTART' },
  { name: 'web-a', priority: 800, home: 1, action: 'RELOCATE' },
  { name: 'web-b', priority: 800, home: 1, action: 'RELOCATE' },
  { name: 'queue', priority: 500, home: 2, action: 'RELOCATE' },
  { name: 'batch', priority: 100, home: 1, action: 'RELOCATE' },
] as const;

const hostname = (i: number): string => `host${i + 1}.${CLUSTER}.local`;

/** The HCL: what a platform team would write for this datacenter. */
function datacenterHcl(sims: readonly SimulatedHost[]): string {
  const n = sims.length;
  const hosts = sims
    .map((sim, i) => {
      const { password: _password, ...options } = sim.bmc.fenceOptions();
      const opts = Object.entries(options)
        .map(([k, v]) => `    ${k} = "${String(v)}"`)
        .join('\n');
      return `
resource "haaas_node" "h${i}" {
  cluster_id   = haaas_cluster.dc.id
  hostname     = "${hostname(i)}"
  kind         = "PHYSICAL"
  endpoint_uri = "${sim.host.uri}"
  cpus         = 16
  memory_mb    = 65536
}

resource "haaas_fencing_device" "h${i}" {
  cluster_id = haaas_cluster.dc.id
  name       = "host${i + 1}-bmc"
  agent      = "fence_ipmilan"
  options = {
${opts}
  }
  secret_options = { password = var.bmc_passwords[${i}] }
}

resource "haaas_fencing_association" "h${i}" {
  device_id = haaas_fencing_device.h${i}.id
  node_id   = haaas_node.h${i}.id
  level     = 1
}

resource "haaas_failover_domain" "prefer_h${i}" {
  cluster_id = haaas_cluster.dc.id
  name       = "prefer-host${i + 1}"
  ordered    = true
  restricted = true
  members = [
${Array.from({ length: n }, (_, k) => `    { node_id = haaas_node.h${(i + k) % n}.id, priority = ${k + 1} },`).join('\n')}
  ]
}
`;
    })
    .join('');
  const services = SERVICES.map(
    (s) => `
resource "haaas_resource" "${s.name}" {
  cluster_id = haaas_cluster.dc.id
  name       = "${s.name}-vm"
  type       = "VM"
  vm { hypervisor_ref = "${s.name}-vm" }
}

resource "haaas_service" "${s.name}" {
  cluster_id         = haaas_cluster.dc.id
  name               = "${s.name}"
  resources          = [haaas_resource.${s.name}.id]
  failover_domain_id = haaas_failover_domain.prefer_h${s.home % n}.id
  priority           = ${s.priority}
  recovery_action    = "${s.action}"
  autostart          = true
  state              = "RUNNING"
  depends_on         = [haaas_cluster_ha.dc]
}
`,
  ).join('');
  return `terraform {
  required_providers {
    haaas = { source = "haaas/haaas" }
  }
}

provider "haaas" {}

variable "bmc_passwords" {
  type      = list(string)
  sensitive = true
}

resource "haaas_cluster" "dc" {
  name                       = "${CLUSTER}"
  hypervisor                 = "KVM"
  heartbeat_interval_seconds = 1
  deadtime_seconds           = 3
  fencing_required           = true
  min_healthy_nodes          = 2
}
${hosts}
resource "haaas_cluster_ha" "dc" {
  cluster_id = haaas_cluster.dc.id
  depends_on = [${sims.map((_, i) => `haaas_fencing_association.h${i}`).join(', ')}]
  timeouts { create = "3m" }
}
${services}`;
}

const lab = useProviderLab({ redisUrl: testRedisUrl(16), worker: true });

describe('a full datacenter in HCL on the simulated KVM hosts, then a host crash', () => {
  let cli: Cli | undefined;
  let wd: Workdir;
  let token: string;
  let dir: string;
  const sims: SimulatedHost[] = [];
  const agents = new Map<number, ChildProcess>();

  beforeAll(async () => {
    cli = lab.cli('terraform') ?? lab.cli('tofu');
    if (!cli) return;
    token = await lab.api.token('tenant-dc', ['member']);
    wd = new Workdir(cli, lab.mirror, { url: lab.api.url, token });
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
    wd?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const gql = <T>(q: string, v: Record<string, unknown> = {}): Promise<T> => lab.api.ok<T>(token, q, v);

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
    const t = await gql<{ issueNodeAgentToken: { token: string } }>('mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { token } }', { n: nodeId });
    const adir = join(dir, `agent${i}`);
    mkdirSync(join(adir, 'storage'), { recursive: true, mode: 0o700 });
    writeFileSync(join(adir, 'token'), t.issueNodeAgentToken.token, { mode: 0o600 });
    const config = { apiUrl: lab.api.url, tokenFile: join(adir, 'token'), intervalSeconds: 1, storage: { path: join(adir, 'storage') }, allowPlainHttp: true, actions: { types: ['APPLICATION'] } };
    writeFileSync(join(adir, 'agent.json'), JSON.stringify(config), { mode: 0o600 });
    return spawn(process.execPath, [join(ROOT, 'tools', 'run.js'), join(ROOT, 'apps', 'agent', 'src', 'main.ts'), '--config', join(adir, 'agent.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }

  const running = async (): Promise<Map<string, string[]>> => {
    const where = new Map<string, string[]>();
    for (const sim of sims) {
      const list = await sim.host.virsh('list', '--name').catch(() => '');
      for (const vm of list.split('\n').map((x) => x.trim()).filter(Boolean)) where.set(vm, [...(where.get(vm) ?? []), sim.name]);
    }
    return where;
  };

  it('one apply builds it all and starts HA and the services; libvirt runs each VM on its home host; the plan is then empty', async () => {
    if (!cli) return process.stderr.write('neither terraform nor tofu: skipped\n'), undefined;
    wd.write({ 'main.tf': datacenterHcl(sims), 'terraform.tfvars.json': JSON.stringify({ bmc_passwords: sims.map((s) => s.bmc.password) }) });
    await wd.ok(['init']);
    const apply = wd.ok(['apply', '-auto-approve']);
    await enrolAgentsAsNodesAppear(apply);
    const out = await apply;
    expect(out.stdout).toMatch(/Apply complete! Resources: 24 added, 0 changed, 0 destroyed/);

    const s = await wd.state();
    expect(s['haaas_cluster_ha.dc']).toMatchObject({ state: 'STARTED', quorate: true });
    for (const svc of SERVICES) {
      expect(s[`haaas_service.${svc.name}`]).toMatchObject({ state: 'RUNNING', status: 'STARTED', current_node_id: s[`haaas_node.h${svc.home}`]?.['id'] });
    }
    const where = await running();
    for (const svc of SERVICES) expect(where.get(`${svc.name}-vm`)).toEqual([`host${svc.home + 1}`]);
    // the BMC passwords are in no plan output and only as sensitive values in state
    expect(out.stdout).not.toContain(sims[0]?.bmc.password);
    expect((await wd.plan()).code).toBe(0);
  });

  it('host2 crashes: fenced (the BMC powered it off), its VMs restart elsewhere; the plan stays empty and a refresh shows where they run', async () => {
    if (!cli) return;
    const before = await wd.state();
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

    const plan = await wd.plan();
    expect(plan.stdout).toMatch(/No changes/);
    expect(plan.code).toBe(0);

    await wd.ok(['apply', '-refresh-only', '-auto-approve']);
    const after = await wd.state();
    const host2 = before['haaas_node.h1']?.['id'];
    for (const svc of SERVICES) expect(after[`haaas_service.${svc.name}`]?.['current_node_id']).not.toBe(host2);
    expect(after['haaas_node.h1']?.['status']).not.toBe('ONLINE');
    expect((await wd.plan()).code).toBe(0);
  });
});
