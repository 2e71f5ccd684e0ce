/**
 * The provider's fencing, resource, service and agent-token types under real Terraform and real
 * OpenTofu against the real API: create, an empty plan after apply, update in place (options,
 * policy, resource order), replacement (token rotation, association level), import into a fresh
 * directory, drift made through GraphQL put back (an agent token rotated or revoked elsewhere
 * included), destroy of a token (revoked in the API), bad input (an option the fence agent does not
 * have, an unknown node) as a diagnostic on the attribute with nothing left behind, a service that
 * cannot start kept in the state as tainted (never orphaned in the API), destroy.
 * Services stay STOPPED here: starting one needs operation workers and hosts (not in this lab).
 */
import { importBlocks, providerHcl, useCli, useProviderLab } from './support/cli';

jest.setTimeout(600_000);

interface Spec {
  lanplus: string;
  priority: number;
  order: 'vm-ip' | 'ip-vm';
  shutdown: number;
  rotation: string;
  level: number;
  device: string;
  service: string;
  /** Whether the configuration declares the node's agent token. */
  token: boolean;
  /** The IP resource's name (a new one replaces it). */
  ipName: string;
}

function config(name: string, s: Spec): string {
  const order = s.order === 'vm-ip' ? 'haaas_resource.vm.id, haaas_resource.ip.id' : 'haaas_resource.ip.id, haaas_resource.vm.id';
  return `${providerHcl()}
resource "haaas_cluster" "c" {
  name       = "${name}"
  hypervisor = "KVM"
}
resource "haaas_node" "n1" {
  cluster_id   = haaas_cluster.c.id
  hostname     = "n1.${name}.example.com"
  kind         = "PHYSICAL"
  endpoint_uri = "test:///default"
  cpus         = 8
  memory_mb    = 8192
}
resource "haaas_fencing_device" "ipmi" {
  cluster_id     = haaas_cluster.c.id
  name           = "${s.device}"
  agent          = "fence_ipmilan"
  options        = { ip = "127.0.0.1", username = "admin", lanplus = "${s.lanplus}" }
  secret_options = { password = "s3cret" }
}
resource "haaas_fencing_association" "n1" {
  device_id = haaas_fencing_device.ipmi.id
  node_id   = haaas_node.n1.id
  level     = ${s.level}
  options   = { ipport = "6230" }
}
resource "haaas_resource" "vm" {
  cluster_id = haaas_cluster.c.id
  name       = "web-vm"
  type       = "VM"
  vm {
    hypervisor_ref           = "web"
    shutdown_timeout_seconds = ${s.shutdown}
  }
}
resource "haaas_resource" "ip" {
  cluster_id = haaas_cluster.c.id
  name       = "${s.ipName}"
  type       = "IP"
  ip {
    address       = "192.0.2.10"
    prefix_length = 24
  }
}
resource "haaas_service" "web" {
  cluster_id     = haaas_cluster.c.id
  name           = "${s.service}"
  resources      = [${order}]
  priority       = ${s.priority}
  recovery_action = "RELOCATE"
  state          = "STOPPED"
  attributes     = { app = "web" }
  timeouts {
    update = "2m"
  }
}
${
  s.token
    ? `resource "haaas_node_agent_token" "n1" {
  node_id           = haaas_node.n1.id
  rotation_triggers = { r = "${s.rotation}" }
}
`
    : ''
}`;
}

const lab = useProviderLab();

const SERVICE_Q = 'query($id: ID!) { service(id: $id) { state policy { priority } resources { id name position } } }';
const DEVICE_Q = 'query($id: ID!) { fencingDevice(id: $id) { options { key value } secretOptionKeys associations { level node { id } options { key value } } } }';
const FINGERPRINT_Q = 'query($id: ID!) { node(id: $id) { agentTokenFingerprint } }';
const RESOURCE_Q = 'query($id: ID!) { resource(id: $id) { vm { shutdownTimeoutSeconds } serviceId } }';

describe.each(['terraform', 'tofu'] as const)('fencing, resources, services and agent tokens under %s', (name) => {
  const t = useCli(lab, name, { tenant: `svc-tenant-${name}` });
  const cluster = `svc-${name}`;
  const spec: Spec = { lanplus: '1', priority: 10, order: 'vm-ip', shutdown: 60, rotation: 'a', level: 1, device: 'ipmi', service: 'web', token: true, ipName: 'web-ip' };
  const id = async (addr: string): Promise<string> => String((await t.wd.state())[addr]?.['id']);
  const gql = <T>(q: string, v: string) => lab.api.ok<T>(t.token, q, { id: v });

  it('creates them all; the API has them; the plan after apply is empty', async () => {
    if (t.skipped()) return;
    t.wd.write({ 'main.tf': config(cluster, spec) });
    await t.wd.ok(['init']);
    await t.wd.ok(['apply', '-auto-approve']);
    const s = await t.wd.state();
    expect(s['haaas_service.web']).toMatchObject({ state: 'STOPPED', status: 'STOPPED', current_node_id: null, priority: 10, recovery_action: 'RELOCATE', autostart: expect.any(Boolean) });
    expect(String(s['haaas_node_agent_token.n1']?.['token'])).toMatch(/^hna_/);
    expect(s['haaas_fencing_association.n1']?.['id']).toBe(`${s['haaas_fencing_device.ipmi']?.['id']}/${s['haaas_node.n1']?.['id']}`);
    const svc = await gql<{ service: { resources: { name: string }[] } }>(SERVICE_Q, String(s['haaas_service.web']?.['id']));
    expect(svc.service.resources.map((r) => r.name)).toEqual(['web-vm', 'web-ip']);
    const dev = await gql<{ fencingDevice: { secretOptionKeys: string[]; associations: { level: number }[] } }>(DEVICE_Q, String(s['haaas_fencing_device.ipmi']?.['id']));
    expect(dev.fencingDevice.secretOptionKeys).toEqual(['password']);
    expect(dev.fencingDevice.associations.map((a) => a.level)).toEqual([1]);
    expect((await t.wd.plan()).code).toBe(0);
    // refresh-only: nothing to change (Terraform 1.11 exits 2 with "No changes" here, see lifecycle)
    const refresh = await t.wd.plan('-refresh-only');
    expect(refresh.stdout).toMatch(/No changes/);
    if (name === 'tofu') expect(refresh.code).toBe(0);
  });

  it('data sources read the cluster, the fence agent, the service and the failover plan', async () => {
    if (t.skipped()) return;
    t.wd.write({
      'data.tf': `data "haaas_cluster" "by_name" {\n  name = haaas_cluster.c.name\n}
data "haaas_clusters" "all" {}
data "haaas_fence_agent" "ipmi" {\n  name = "fence_ipmilan"\n}
data "haaas_service" "web" {\n  id = haaas_service.web.id\n}
data "haaas_failover_plan" "n1" {\n  node_id = haaas_node.n1.id\n}
output "cluster_id" {\n  value = data.haaas_cluster.by_name.id\n}
output "cluster_names" {\n  value = [for c in data.haaas_clusters.all.clusters : c.name]\n}
output "secret_params" {\n  value = [for p in data.haaas_fence_agent.ipmi.parameters : p.name if p.secret]\n}
output "web_status" {\n  value = data.haaas_service.web.status\n}
output "plan_ha_active" {\n  value = data.haaas_failover_plan.n1.ha_active\n}
`,
    });
    await t.wd.ok(['apply', '-auto-approve']);
    const out = JSON.parse((await t.wd.ok(['output', '-json'])).stdout) as Record<string, { value: unknown }>;
    expect(out['cluster_id']?.value).toBe(await id('haaas_cluster.c'));
    expect(out['cluster_names']?.value).toEqual([cluster]);
    expect(out['secret_params']?.value).toEqual(expect.arrayContaining(['password']));
    expect(out['web_status']?.value).toBe('STOPPED');
    expect(out['plan_ha_active']?.value).toBe(false);
    t.wd.write({ 'data.tf': 'data "haaas_cluster" "nope" {\n  name = "no-such-cluster"\n}\n' });
    const r = await t.wd.run('plan');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no cluster named "no-such-cluster"/);
    t.wd.write({ 'data.tf': '' });
  });

  it('updates in place: a device option, the service priority and resource order, a VM shutdown timeout', async () => {
    if (t.skipped()) return;
    const before = await t.wd.state();
    Object.assign(spec, { lanplus: '0', priority: 20, order: 'ip-vm', shutdown: 90 });
    t.wd.write({ 'main.tf': config(cluster, spec) });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/0 to add, 3 to change, 0 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    const after = await t.wd.state();
    expect(after['haaas_service.web']?.['id']).toBe(before['haaas_service.web']?.['id']);
    const svc = await gql<{ service: { policy: { priority: number }; resources: { name: string }[] } }>(SERVICE_Q, String(after['haaas_service.web']?.['id']));
    expect(svc.service.policy.priority).toBe(20);
    expect(svc.service.resources.map((r) => r.name)).toEqual(['web-ip', 'web-vm']);
    const dev = await gql<{ fencingDevice: { options: { key: string; value: string }[] } }>(DEVICE_Q, String(after['haaas_fencing_device.ipmi']?.['id']));
    expect(dev.fencingDevice.options).toContainEqual({ key: 'lanplus', value: '0' });
    const vm = await gql<{ resource: { vm: { shutdownTimeoutSeconds: number } } }>(RESOURCE_Q, String(after['haaas_resource.vm']?.['id']));
    expect(vm.resource.vm.shutdownTimeoutSeconds).toBe(90);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('replaces: a new agent token on rotation, an association at another level, a renamed device and service', async () => {
    if (t.skipped()) return;
    const before = await t.wd.state();
    Object.assign(spec, { rotation: 'b', level: 2, device: 'ipmi-b', service: 'web-b' });
    t.wd.write({ 'main.tf': config(cluster, spec) });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/haaas_node_agent_token\.n1 must be replaced/);
    expect(plan.stdout).toMatch(/haaas_fencing_association\.n1 must be replaced/);
    expect(plan.stdout).toMatch(/haaas_fencing_device\.ipmi must be replaced/);
    expect(plan.stdout).toMatch(/haaas_service\.web must be replaced/);
    expect(plan.stdout).not.toMatch(/s3cret|hna_/);
    await t.wd.ok(['apply', '-auto-approve']);
    const after = await t.wd.state();
    expect(after['haaas_node_agent_token.n1']?.['fingerprint']).not.toBe(before['haaas_node_agent_token.n1']?.['fingerprint']);
    expect(after['haaas_node_agent_token.n1']?.['token']).not.toBe(before['haaas_node_agent_token.n1']?.['token']);
    const dev = await gql<{ fencingDevice: { associations: { level: number }[] } }>(DEVICE_Q, String(after['haaas_fencing_device.ipmi']?.['id']));
    expect(dev.fencingDevice.associations.map((a) => a.level)).toEqual([2]);
    for (const addr of ['haaas_fencing_device.ipmi', 'haaas_service.web']) {
      expect(after[addr]?.['id']).not.toBe(before[addr]?.['id']);
      const gone = await lab.api.gql(t.token, addr.startsWith('haaas_service') ? SERVICE_Q : DEVICE_Q, { id: before[addr]?.['id'] });
      expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const svc = await gql<{ service: { resources: { name: string }[] } }>(SERVICE_Q, String(after['haaas_service.web']?.['id']));
    expect(svc.service.resources.map((r) => r.name)).toEqual(['web-ip', 'web-vm']);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('replaces a resource of a service (a new name): taken out of the service first, the new one put in its place', async () => {
    if (t.skipped()) return;
    const before = await t.wd.state();
    spec.ipName = 'web-ip-b';
    t.wd.write({ 'main.tf': config(cluster, spec) });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/haaas_resource\.ip must be replaced/);
    expect(plan.stdout).toMatch(/haaas_service\.web will be updated in-place/);
    expect(plan.stdout).toMatch(/1 to add, 1 to change, 1 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    const after = await t.wd.state();
    expect(after['haaas_resource.ip']?.['id']).not.toBe(before['haaas_resource.ip']?.['id']);
    expect((await lab.api.gql(t.token, RESOURCE_Q, { id: before['haaas_resource.ip']?.['id'] })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const svc = await gql<{ service: { resources: { name: string }[] } }>(SERVICE_Q, String(after['haaas_service.web']?.['id']));
    expect(svc.service.resources.map((r) => r.name)).toEqual(['web-ip-b', 'web-vm']);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('imports into a fresh directory with equal attributes (secrets and the token are not readable back)', async () => {
    if (t.skipped()) return;
    const original = await t.wd.state();
    const fresh = t.fresh();
    try {
      const ids = Object.fromEntries(Object.entries(original).map(([addr, v]) => [addr, String(v['id'])]));
      fresh.write({ 'main.tf': config(cluster, spec), 'imports.tf': importBlocks(ids) });
      await fresh.ok(['init']);
      const plan = await fresh.plan();
      // an imported token has no value (the API shows it once): the configured rotation_triggers
      // differ from the imported null, so it is issued anew; the device's secrets are written again
      expect(plan.stdout).toMatch(/[89] to import, 1 to add, 2 to change, 1 to destroy/);
      expect(plan.stdout).toMatch(/haaas_node_agent_token\.n1 must be replaced/);
      await fresh.ok(['apply', '-auto-approve']);
      const imported = await fresh.state();
      for (const [addr, values] of Object.entries(original)) {
        const { token: _t, fingerprint: _f, issued_at: _i, secret_options: _s, rotation_triggers: _r, timeouts: _o, ...rest } = values;
        expect({ addr, ...imported[addr] }).toMatchObject({ addr, ...rest });
      }
    } finally {
      fresh.remove();
    }
  });

  it('drift made through GraphQL shows in the next plan and apply puts it back', async () => {
    if (t.skipped()) return;
    const svc = await id('haaas_service.web');
    const dev = await id('haaas_fencing_device.ipmi');
    const vm = await id('haaas_resource.vm');
    await lab.api.ok(t.token, 'mutation($id: ID!) { updateServicePolicy(input: { id: $id, policy: { priority: 999 } }) { id } }', { id: svc });
    await lab.api.ok(t.token, 'mutation($id: ID!) { setFencingDeviceOptions(input: { id: $id, unset: ["lanplus"], unsetSecrets: ["password"] }) { id } }', { id: dev });
    await lab.api.ok(t.token, 'mutation($id: ID!) { updateResource(input: { id: $id, vm: { hypervisorRef: "web", shutdownTimeoutSeconds: 5 } }) { id } }', { id: vm });
    // an association removed behind Terraform's back is created again
    await lab.api.ok(t.token, 'mutation($d: ID!, $n: ID!) { deassociateFencingDevice(deviceId: $d, nodeId: $n) { level } }', { d: dev, n: await id('haaas_node.n1') });
    // the agent token rotated behind Terraform's back: the one in state is no longer valid, so it reads as gone
    const n1 = await id('haaas_node.n1');
    await lab.api.ok(t.token, 'mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { fingerprint } }', { n: n1 });
    const plan = await t.wd.plan();
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/999 -> 20/);
    expect(plan.stdout).toMatch(/5 -> 90/);
    expect(plan.stdout).toMatch(/haaas_node_agent_token\.n1 will be created/);
    expect(plan.stdout).toMatch(/2 to add, 3 to change, 0 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    const tokenState = (await t.wd.state())['haaas_node_agent_token.n1'];
    expect((await gql<{ node: { agentTokenFingerprint: string } }>(FINGERPRINT_Q, n1)).node.agentTokenFingerprint).toBe(tokenState?.['fingerprint']);
    expect(String(tokenState?.['token'])).toMatch(/^hna_/);
    const s = await gql<{ service: { policy: { priority: number } } }>(SERVICE_Q, svc);
    expect(s.service.policy.priority).toBe(20);
    const d = await gql<{ fencingDevice: { options: { key: string; value: string }[]; secretOptionKeys: string[] } }>(DEVICE_Q, dev);
    expect(d.fencingDevice.options).toContainEqual({ key: 'lanplus', value: '0' });
    expect(d.fencingDevice.secretOptionKeys).toEqual(['password']);
    const r = await gql<{ resource: { vm: { shutdownTimeoutSeconds: number } } }>(RESOURCE_Q, vm);
    expect(r.resource.vm.shutdownTimeoutSeconds).toBe(90);
    expect((await gql<{ fencingDevice: { associations: { level: number }[] } }>(DEVICE_Q, dev)).fencingDevice.associations.map((a) => a.level)).toEqual([2]);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('bad input: an option the fence agent does not have, at plan time, on that option; nothing created', async () => {
    if (t.skipped()) return;
    t.wd.write({
      'bad.tf': `resource "haaas_fencing_device" "bad" {\n  cluster_id = haaas_cluster.c.id\n  name = "bad"\n  agent = "fence_ipmilan"\n  options = { ip = "127.0.0.1", pasword = "x" }\n}\n`,
    });
    const r = await t.wd.run('plan');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fence_ipmilan has no option "pasword"/);
    expect(r.stderr).toMatch(/with haaas_fencing_device\.bad,/);
    expect(r.stderr).toMatch(/options\s*=.*pasword/);
    t.wd.write({ 'bad.tf': '' });
  });

  it('bad input: an association with an unknown node is a diagnostic on node_id; nothing left behind', async () => {
    if (t.skipped()) return;
    t.wd.write({
      'bad.tf': `resource "haaas_fencing_association" "bad" {\n  device_id = haaas_fencing_device.ipmi.id\n  node_id = "00000000-0000-4000-8000-000000000000"\n  level = 3\n}\n`,
    });
    const r = await t.wd.run('apply', '-auto-approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/with haaas_fencing_association\.bad,/);
    expect(r.stderr).toMatch(/node_id\s*=/);
    expect(r.stderr).toMatch(/API request id/);
    const d = await gql<{ fencingDevice: { associations: { level: number }[] } }>(DEVICE_Q, await id('haaas_fencing_device.ipmi'));
    expect(d.fencingDevice.associations.map((a) => a.level)).toEqual([2]);
    t.wd.write({ 'bad.tf': '' });
  });

  it('bad input: a service over the tenant quota is a diagnostic on the service, with the request id; nothing left behind', async () => {
    if (t.skipped()) return;
    const admin = await lab.api.token('ops', ['admin'], 'ops-admin');
    const tenant = `svc-tenant-${name}`;
    const setQuota = (max: number | null) => lab.api.ok(admin, 'mutation($id: ID!, $m: Int) { setTenantQuota(input: { id: $id, maxServices: $m }) { id } }', { id: tenant, m: max });
    await setQuota(1);
    try {
      t.wd.write({ 'bad.tf': `resource "haaas_service" "over" {\n  cluster_id = haaas_cluster.c.id\n  name = "over-quota"\n  priority = 10\n}\n` });
      const r = await t.wd.run('apply', '-auto-approve');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/quota/i);
      expect(r.stderr).toMatch(/with haaas_service\.over,\n.*\n.*name = "over-quota"/);
      expect(r.stderr).toMatch(/API request id/);
      const list = await lab.api.ok<{ services: { nodes: { name: string }[] } }>(t.token, '{ services { nodes { name } } }');
      expect(list.services.nodes.map((x) => x.name)).toEqual([spec.service]);
      expect(Object.keys(await t.wd.state())).not.toContain('haaas_service.over');
    } finally {
      await setQuota(null);
      t.wd.write({ 'bad.tf': '' });
    }
  });

  it('a service that cannot reach RUNNING within timeouts.create (no worker runs its start here) is in the state, tainted, with the error; never orphaned in the API', async () => {
    if (t.skipped()) return;
    const names = async (): Promise<string[]> => (await lab.api.ok<{ services: { nodes: { name: string }[] } }>(t.token, '{ services { nodes { name } } }')).services.nodes.map((x) => x.name).sort();
    t.wd.write({ 'bad.tf': `resource "haaas_service" "stuck" {\n  cluster_id = haaas_cluster.c.id\n  name = "stuck"\n  state = "RUNNING"\n  timeouts {\n    create = "2s"\n  }\n}\n` });
    const r = await t.wd.run('apply', '-auto-approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/haaas_service: creating/);
    expect(r.stderr).toMatch(/with haaas_service\.stuck,/);
    // Terraform knows the service the API has: tainted, so the next plan replaces it
    const stuck = (await t.wd.state())['haaas_service.stuck'];
    expect(stuck).toMatchObject({ name: 'stuck', state: 'STOPPED' });
    expect(await names()).toEqual(['stuck', spec.service].sort());
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/haaas_service\.stuck is tainted, so (it )?must be replaced/);
    expect(plan.stdout).toMatch(/1 to add, 0 to change, 1 to destroy/);
    // taken out of the configuration, it is destroyed in the API
    t.wd.write({ 'bad.tf': '' });
    await t.wd.ok(['apply', '-auto-approve']);
    expect(await names()).toEqual([spec.service]);
    const gone = await lab.api.gql(t.token, SERVICE_Q, { id: stuck?.['id'] });
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('an agent token revoked through GraphQL shows in the plan and apply issues a new one; taken out of the configuration, it is revoked', async () => {
    if (t.skipped()) return;
    const n1 = await id('haaas_node.n1');
    const fingerprint = async (): Promise<string | null> => (await gql<{ node: { agentTokenFingerprint: string | null } }>(FINGERPRINT_Q, n1)).node.agentTokenFingerprint;
    await lab.api.ok(t.token, 'mutation($n: ID!) { revokeNodeAgentToken(nodeId: $n) { id } }', { n: n1 });
    expect(await fingerprint()).toBeNull();
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/haaas_node_agent_token\.n1 will be created/);
    expect(plan.stdout).toMatch(/1 to add, 0 to change, 0 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    expect(await fingerprint()).toBe((await t.wd.state())['haaas_node_agent_token.n1']?.['fingerprint']);
    expect((await t.wd.plan()).code).toBe(0);

    spec.token = false;
    t.wd.write({ 'main.tf': config(cluster, spec) });
    const destroy = await t.wd.plan();
    expect(destroy.stdout).toMatch(/haaas_node_agent_token\.n1 will be destroyed/);
    expect(destroy.stdout).toMatch(/0 to add, 0 to change, 1 to destroy/);
    await t.wd.ok(['apply', '-auto-approve']);
    expect(await fingerprint()).toBeNull();
    expect(Object.keys(await t.wd.state())).not.toContain('haaas_node_agent_token.n1');
  });

  it('destroy removes every object from the API', async () => {
    if (t.skipped()) return;
    const s = await t.wd.state();
    await t.wd.ok(['destroy', '-auto-approve']);
    for (const [q, addr] of [[SERVICE_Q, 'haaas_service.web'], [DEVICE_Q, 'haaas_fencing_device.ipmi'], [RESOURCE_Q, 'haaas_resource.vm']] as const) {
      const gone = await lab.api.gql(t.token, q, { id: s[addr]?.['id'] });
      expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect(await t.wd.state()).toEqual({});
  });
});
