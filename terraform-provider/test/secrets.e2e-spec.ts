/**
 * Secrets under real Terraform and real OpenTofu: a node's `password_wo` and a fencing device's
 * `secret_options_wo` (write-only arguments) reach the API but appear in no plan output, no state
 * file and no `show -json`; bumping their `_version` sends them again as an in-place update; the
 * sensitive, stored `secret_options` are never printed in a plan either.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { providerHcl, useCli, useProviderLab } from './support/cli';

jest.setTimeout(600_000);

const lab = useProviderLab();
const NODE_PW = 'node-pw-7f3a';
const FENCE_PW = 'fence-pw-91c2';
const STORED_PW = 'stored-pw-55d0';

const hcl = (name: string, version: number): string => `${providerHcl()}resource "haaas_cluster" "c" {
  name       = "${name}"
  hypervisor = "KVM"
}
resource "haaas_node" "n1" {
  cluster_id          = haaas_cluster.c.id
  hostname            = "n1.${name}.example.com"
  kind                = "PHYSICAL"
  endpoint_uri        = "test:///default"
  username            = "root"
  password_wo         = "${NODE_PW}"
  password_wo_version = ${version}
  cpus                = 8
  memory_mb           = 8192
}
resource "haaas_fencing_device" "ipmi" {
  cluster_id                = haaas_cluster.c.id
  name                      = "ipmi"
  agent                     = "fence_ipmilan"
  options                   = { ip = "127.0.0.1", username = "admin" }
  secret_options_wo         = { password = "${FENCE_PW}" }
  secret_options_wo_version = ${version}
}
resource "haaas_fencing_device" "stored" {
  cluster_id     = haaas_cluster.c.id
  name           = "stored"
  agent          = "fence_ipmilan"
  options        = { ip = "127.0.0.2", username = "admin" }
  secret_options = { password = "${STORED_PW}" }
}
`;

describe.each(['terraform', 'tofu'] as const)('secrets under %s', (name) => {
  const t = useCli(lab, name, { tenant: `tenant-sec-${name}` });
  const cluster = `sec-${name}`;
  const noSecretIn = (text: string): void => {
    for (const secret of [NODE_PW, FENCE_PW, STORED_PW]) expect(text).not.toContain(secret);
  };

  it('write-only secrets reach the API and appear in no plan, state file or show -json', async () => {
    if (t.skipped()) return;
    t.wd.write({ 'main.tf': hcl(cluster, 1) });
    await t.wd.ok(['init']);
    const plan = await t.wd.plan();
    expect(plan.code).toBe(2);
    noSecretIn(plan.stdout + plan.stderr);
    expect(plan.stdout).toMatch(/password_wo\s+= \(write-only attribute\)/);
    const apply = await t.wd.ok(['apply', '-auto-approve']);
    noSecretIn(apply.stdout + apply.stderr);
    const stateFile = readFileSync(join(t.wd.dir, 'terraform.tfstate'), 'utf8');
    expect(stateFile).not.toContain(NODE_PW);
    expect(stateFile).not.toContain(FENCE_PW);
    const s = await t.wd.state();
    expect(s['haaas_node.n1']).toMatchObject({ password_wo: null, password_wo_version: 1 });
    expect(s['haaas_fencing_device.ipmi']).toMatchObject({ secret_options_wo: null, secret_options_wo_version: 1 });
    const node = await lab.api.ok<{ node: { endpoint: { hasPassword: boolean } } }>(t.token, 'query($id: ID!) { node(id: $id) { endpoint { hasPassword } } }', { id: s['haaas_node.n1']?.['id'] });
    expect(node.node.endpoint.hasPassword).toBe(true);
    const device = await lab.api.ok<{ fencingDevice: { secretOptionKeys: string[] } }>(t.token, 'query($id: ID!) { fencingDevice(id: $id) { secretOptionKeys } }', { id: s['haaas_fencing_device.ipmi']?.['id'] });
    expect(device.fencingDevice.secretOptionKeys).toEqual(['password']);
    const again = await t.wd.plan();
    expect(again.code).toBe(0);
  });

  it('a new _version sends the write-only values again, in place, still printing none', async () => {
    if (t.skipped()) return;
    const before = await t.wd.state();
    t.wd.write({ 'main.tf': hcl(cluster, 2) });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/0 to add, 2 to change, 0 to destroy/);
    noSecretIn(plan.stdout);
    noSecretIn((await t.wd.ok(['apply', '-auto-approve'])).stdout);
    const after = await t.wd.state();
    expect(after['haaas_node.n1']?.['id']).toBe(before['haaas_node.n1']?.['id']);
    expect(after['haaas_node.n1']?.['password_wo_version']).toBe(2);
    expect(readFileSync(join(t.wd.dir, 'terraform.tfstate'), 'utf8')).not.toContain(NODE_PW);
    await t.wd.ok(['destroy', '-auto-approve']);
  });
});
