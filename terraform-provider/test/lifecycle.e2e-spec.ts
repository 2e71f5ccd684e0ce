/**
 * The provider under real Terraform and real OpenTofu, against the real API (MariaDB and Redis from
 * jest's global setup): for haaas_cluster, haaas_node and haaas_failover_domain together, one CLI
 * run per step: create, an empty plan and refresh plan after apply, update in place, replacement
 * where a force-new attribute changes (a node's hostname; the cluster's name, which replaces the
 * nodes and the domain through their cluster_id), import into a fresh directory with equal attributes, drift
 * made through GraphQL shown and put back, bad input as a diagnostic on the attribute with nothing
 * left behind, destroy with the objects gone from the API. Each CLI works in its own tenant.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importBlocks, providerHcl, useCli, useProviderLab } from './support/cli';

jest.setTimeout(600_000);

interface Spec {
  description: string;
  cpus: number;
  hostname2: string;
  priority2: number;
}

function config(name: string, s: Spec): string {
  const node = (res: string, host: string, cpus: number) => `
resource "haaas_node" "${res}" {
  cluster_id   = haaas_cluster.c.id
  hostname     = "${host}"
  kind         = "PHYSICAL"
  endpoint_uri = "test:///default"
  cpus         = ${cpus}
  memory_mb    = 8192
  attributes   = { rack = "r1" }
}
`;
  return `${providerHcl()}
resource "haaas_cluster" "c" {
  name            = "${name}"
  hypervisor      = "KVM"
  description     = "${s.description}"
  deadtime_seconds = 20
  attributes      = { dc = "east", tier = "gold" }
}
${node('n1', `n1.${name}.example.com`, s.cpus)}${node('n2', s.hostname2, 8)}
resource "haaas_failover_domain" "d" {
  cluster_id = haaas_cluster.c.id
  name       = "primary"
  ordered    = true
  members = [
    { node_id = haaas_node.n1.id, priority = 1 },
    { node_id = haaas_node.n2.id, priority = ${s.priority2} },
  ]
}
`;
}

const lab = useProviderLab();

const CLUSTER_Q = 'query($id: ID!) { cluster(id: $id) { description attributes { key value } } }';
const NODE_Q = 'query($id: ID!) { node(id: $id) { hostname capacity { cpus } } }';
const DOMAIN_Q = 'query($id: ID!) { failoverDomain(id: $id) { members { priority node { hostname } } } }';

describe.each(['terraform', 'tofu'] as const)('the provider under %s', (name) => {
  const t = useCli(lab, name, { tenant: `tenant-${name}` });
  const cluster = `tf-${name}`;
  const spec: Spec = { description: 'first', cpus: 16, hostname2: `n2.${cluster}.example.com`, priority2: 2 };
  const gql = <T>(q: string, id: string) => lab.api.ok<T>(t.token, q, { id });

  it('init installs the provider from the filesystem mirror; apply creates cluster, nodes and domain', async () => {
    if (t.skipped()) return;
    t.wd.write({ 'main.tf': config(cluster, spec) });
    const init = await t.wd.ok(['init']);
    expect(init.stdout).toMatch(/Installed haaas\/haaas v0\.1\.0/);
    await t.wd.ok(['apply', '-auto-approve']);
    const s = await t.wd.state();
    expect(s['haaas_cluster.c']).toMatchObject({ name: cluster, hypervisor: 'KVM', description: 'first', deadtime_seconds: 20, ha_enabled: false, state: 'STOPPED', heartbeat_source: 'AGENT', heartbeat_interval_seconds: 1, attributes: { dc: 'east', tier: 'gold' } });
    expect(s['haaas_node.n1']).toMatchObject({ status: 'OFFLINE', cpus: 16, maintenance: false });
    const c = await gql<{ cluster: { description: string } }>(CLUSTER_Q, String(s['haaas_cluster.c']?.['id']));
    expect(c.cluster.description).toBe('first');
    const d = await gql<{ failoverDomain: { members: { priority: number; node: { hostname: string } }[] } }>(DOMAIN_Q, String(s['haaas_failover_domain.d']?.['id']));
    expect(d.failoverDomain.members.map((m) => m.priority)).toEqual([1, 2]);
  });

  it('a plan and a refresh-only plan right after apply are empty', async () => {
    if (t.skipped()) return;
    expect((await t.wd.plan()).code).toBe(0);
    const refresh = await t.wd.plan('-refresh-only');
    expect(refresh.stdout).toMatch(/No changes/);
    if (name === 'tofu') expect(refresh.code).toBe(0);
    // Terraform 1.11 exits 2 here although it reports no changes and shows no drift (its plan JSON
    // has no resource_drift): what counts is that refreshing changes nothing in the state
    // (Terraform writes sensitive_attributes in no fixed order: compare them as sets)
    const stateOf = () => {
      const s = JSON.parse(readFileSync(join(t.wd.dir, 'terraform.tfstate'), 'utf8')) as { resources: { instances: { sensitive_attributes?: unknown[] }[] }[] };
      for (const r of s.resources) for (const i of r.instances) i.sensitive_attributes = (i.sensitive_attributes ?? []).map((x) => JSON.stringify(x)).sort();
      return s.resources;
    };
    const before = stateOf();
    await t.wd.ok(['apply', '-refresh-only', '-auto-approve']);
    expect(stateOf()).toEqual(before);
  });

  it('updates in place: description, node capacity, a member priority', async () => {
    if (t.skipped()) return;
    const before = await t.wd.state();
    Object.assign(spec, { description: 'second', cpus: 32, priority2: 5 });
    t.wd.write({ 'main.tf': config(cluster, spec) });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/0 to add, 3 to change, 0 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    const after = await t.wd.state();
    expect(after['haaas_node.n1']?.['id']).toBe(before['haaas_node.n1']?.['id']);
    const n = await gql<{ node: { capacity: { cpus: number } } }>(NODE_Q, String(after['haaas_node.n1']?.['id']));
    expect(n.node.capacity.cpus).toBe(32);
    const d = await gql<{ failoverDomain: { members: { priority: number }[] } }>(DOMAIN_Q, String(after['haaas_failover_domain.d']?.['id']));
    expect(d.failoverDomain.members.map((m) => m.priority)).toEqual([1, 5]);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('replaces a node whose hostname changes; the old one is gone from the API', async () => {
    if (t.skipped()) return;
    const old = String((await t.wd.state())['haaas_node.n2']?.['id']);
    spec.hostname2 = `n2b.${cluster}.example.com`;
    t.wd.write({ 'main.tf': config(cluster, spec) });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/haaas_node\.n2 must be replaced/);
    expect(plan.stdout).toMatch(/# forces replacement/);
    await t.wd.ok(['apply', '-auto-approve']);
    const now = String((await t.wd.state())['haaas_node.n2']?.['id']);
    expect(now).not.toBe(old);
    const gone = await lab.api.gql(t.token, NODE_Q, { id: old });
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('imports everything into a fresh directory with equal attributes and an empty plan', async () => {
    if (t.skipped()) return;
    const original = await t.wd.state();
    const fresh = t.fresh();
    try {
      const ids = Object.fromEntries(Object.entries(original).map(([addr, v]) => [addr, String(v['id'])]));
      fresh.write({ 'main.tf': config(cluster, spec), 'imports.tf': importBlocks(ids) });
      await fresh.ok(['init']);
      const plan = await fresh.plan();
      expect(plan.stdout).toMatch(/4 to import, 0 to add, 0 to change, 0 to destroy/);
      await fresh.ok(['apply', '-auto-approve']);
      expect(await fresh.state()).toEqual(original);
      // and by the command, for one of them
      const single = t.fresh();
      try {
        single.write({ 'main.tf': config(cluster, spec) });
        await single.ok(['init']);
        await single.ok(['import', 'haaas_cluster.c', ids['haaas_cluster.c'] ?? '']);
        expect((await single.state())['haaas_cluster.c']).toEqual(original['haaas_cluster.c']);
        const missing = await single.run('import', 'haaas_node.n1', '00000000-0000-4000-8000-000000000000');
        expect(missing.code).toBe(1);
        expect(missing.stderr).toMatch(/Cannot import non-existent remote object|cannot import/i);
      } finally {
        single.remove();
      }
    } finally {
      fresh.remove();
    }
  });

  it('drift made through GraphQL shows in the next plan and apply puts it back', async () => {
    if (t.skipped()) return;
    const id = String((await t.wd.state())['haaas_cluster.c']?.['id']);
    await lab.api.ok(t.token, 'mutation($id: ID!) { updateCluster(input: { id: $id, description: "changed by hand" }) { id } }', { id });
    await lab.api.ok(t.token, 'mutation($id: ID!) { setClusterAttributes(id: $id, change: { set: [{ key: "extra", value: "x" }], unset: ["tier"] }) { id } }', { id });
    const s = await t.wd.state();
    const n1 = String(s['haaas_node.n1']?.['id']);
    const domain = String(s['haaas_failover_domain.d']?.['id']);
    await lab.api.ok(t.token, 'mutation($id: ID!) { updateNode(input: { id: $id, capacity: { cpus: 4, memoryMb: 8192 } }) { id } }', { id: n1 });
    await lab.api.ok(t.token, 'mutation($id: ID!, $n: ID!) { updateFailoverDomain(input: { id: $id, members: [{ nodeId: $n, priority: 9 }] }) { id } }', { id: domain, n: n1 });
    const plan = await t.wd.plan();
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/"changed by hand" -> "second"/);
    expect(plan.stdout).toMatch(/cpus\s+= 4 -> 32/);
    expect(plan.stdout).toMatch(/0 to add, 3 to change, 0 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    const c = await gql<{ cluster: { description: string; attributes: { key: string; value: string }[] } }>(CLUSTER_Q, id);
    expect(c.cluster).toEqual({ description: 'second', attributes: [{ key: 'dc', value: 'east' }, { key: 'tier', value: 'gold' }] });
    expect((await gql<{ node: { capacity: { cpus: number } } }>(NODE_Q, n1)).node.capacity.cpus).toBe(32);
    expect((await gql<{ failoverDomain: { members: { priority: number }[] } }>(DOMAIN_Q, domain)).failoverDomain.members.map((m) => m.priority)).toEqual([1, 5]);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('bad input: a priority out of range, a heartbeat source KVM lacks: diagnostics on the attributes, nothing left behind', async () => {
    if (t.skipped()) return;
    t.wd.write({
      'bad.tf':
        `resource "haaas_failover_domain" "bad" {\n  cluster_id = haaas_cluster.c.id\n  name = "bad"\n  members = [{ node_id = haaas_node.n1.id, priority = 500 }]\n}\n` +
        `resource "haaas_cluster" "bad" {\n  name = "${cluster}-bad"\n  hypervisor = "KVM"\n  heartbeat_source = "MANAGER"\n}\n`,
    });
    const r = await t.wd.run('apply', '-auto-approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/priority/i);
    expect(r.stderr).toMatch(/with haaas_failover_domain\.bad,/);
    expect(r.stderr).toMatch(/members\[0\]\.priority|API request id/);
    const domains = await lab.api.ok<{ failoverDomains: { nodes: { name: string }[] } }>(t.token, '{ failoverDomains { nodes { name } } }');
    expect(domains.failoverDomains.nodes.map((d) => d.name)).toEqual(['primary']);
    expect(r.stderr).toMatch(/MANAGER needs a hypervisor manager channel/);
    expect(r.stderr).toMatch(/with haaas_cluster\.bad,\n.*\n.*heartbeat_source = "MANAGER"/);
    const clusters = await lab.api.ok<{ clusters: { nodes: { name: string }[] } }>(t.token, '{ clusters { nodes { name } } }');
    expect(clusters.clusters.nodes.map((c) => c.name)).toEqual([cluster]);
    t.wd.write({ 'bad.tf': '' });
  });

  it('replaces the cluster when its name changes, and with it (cluster_id forces it) the nodes and the domain; the old ones are gone from the API', async () => {
    if (t.skipped()) return;
    const before = await t.wd.state();
    const renamed = `${cluster}-b`;
    t.wd.write({ 'main.tf': config(renamed, spec) });
    const plan = await t.wd.plan();
    for (const addr of ['haaas_cluster.c', 'haaas_failover_domain.d', 'haaas_node.n1', 'haaas_node.n2']) expect(plan.stdout).toMatch(new RegExp(`${addr.replace('.', '\\.')} must be replaced`));
    expect(plan.stdout).toMatch(/name\s+= "tf-\w+" -> "tf-\w+-b" # forces replacement/);
    expect(plan.stdout).toMatch(/cluster_id\s+= "[^"]+" -> \(known after apply\) # forces replacement/);
    expect(plan.stdout).toMatch(/4 to add, 0 to change, 4 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    const after = await t.wd.state();
    for (const addr of Object.keys(before)) expect(after[addr]?.['id']).not.toBe(before[addr]?.['id']);
    expect(after['haaas_failover_domain.d']?.['cluster_id']).toBe(after['haaas_cluster.c']?.['id']);
    for (const [q, addr] of [[CLUSTER_Q, 'haaas_cluster.c'], [DOMAIN_Q, 'haaas_failover_domain.d'], [NODE_Q, 'haaas_node.n1']] as const) {
      const gone = await lab.api.gql(t.token, q, { id: before[addr]?.['id'] });
      expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const clusters = await lab.api.ok<{ clusters: { nodes: { name: string }[] } }>(t.token, '{ clusters { nodes { name } } }');
    expect(clusters.clusters.nodes.map((c) => c.name)).toEqual([renamed]);
    const d = await gql<{ failoverDomain: { members: { priority: number; node: { hostname: string } }[] } }>(DOMAIN_Q, String(after['haaas_failover_domain.d']?.['id']));
    expect(d.failoverDomain.members.map((m) => [m.node.hostname, m.priority])).toEqual([[`n1.${renamed}.example.com`, 1], [spec.hostname2, 5]]);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('destroy removes every object from the API', async () => {
    if (t.skipped()) return;
    const s = await t.wd.state();
    await t.wd.ok(['destroy', '-auto-approve']);
    const c = await lab.api.gql(t.token, CLUSTER_Q, { id: s['haaas_cluster.c']?.['id'] });
    expect(c.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const n = await lab.api.gql(t.token, NODE_Q, { id: s['haaas_node.n1']?.['id'] });
    expect(n.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const d = await lab.api.gql(t.token, DOMAIN_Q, { id: s['haaas_failover_domain.d']?.['id'] });
    expect(d.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await t.wd.state()).toEqual({});
  });
});
