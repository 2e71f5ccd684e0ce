/**
 * The provider authenticated by a real Keystone (the API validates its tokens), under real Terraform
 * and real OpenTofu: password settings in the provider block with the endpoint taken from the
 * catalog's `ha` service; the same state planned with an application credential from OS_*
 * variables (same project, so the same tenant: an empty plan); refused credentials as one
 * diagnostic with nothing created; `cloud` and OS_CLOUD from clouds.yaml (./, ~/.config/openstack/,
 * OS_CLIENT_CONFIG_FILE first; secure.yaml merged); destroy with a Keystone token (OS_TOKEN).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { providerHcl, useCli, useProviderLab } from './support/cli';

jest.setTimeout(600_000);

const lab = useProviderLab({ keystone: true });

const hcl = (name: string, block: string): string => `${providerHcl(block)}
variable "os_password" {
  type      = string
  sensitive = true
  default   = null
}
resource "haaas_cluster" "c" {
  name       = "${name}"
  hypervisor = "KVM"
}
`;
// no HAaaS token or URL: Keystone and its catalog only
const NO_HAAAS = { HAAAS_URL: '', HAAAS_TOKEN: '' };

describe.each(['terraform', 'tofu'] as const)('Keystone settings under %s', (name) => {
  const t = useCli(lab, name, { env: NO_HAAAS });
  const cluster = `ks-${name}`;
  // the password from a sensitive variable, as a team would give it (Terraform prints the source
  // line of a diagnostic: a literal would be shown by Terraform itself)
  const passwordBlock = (password: string): string => {
    const { alice, projectA, domain } = lab.keystone.fixture;
    t.wd.setEnv({ TF_VAR_os_password: password });
    return [
      `  auth_url            = "${lab.keystone.authUrl}"`,
      `  user_name           = "${alice.name}"`,
      '  password            = var.os_password',
      `  user_domain_name    = "${domain.name}"`,
      `  project_name        = "${projectA.name}"`,
      `  project_domain_name = "${domain.name}"`,
    ].join('\n');
  };
  /** The project A clusters, as alice sees them with her own Keystone token. */
  const clustersOfA = async (): Promise<string[]> => {
    const { alice, projectA } = lab.keystone.fixture;
    const { token } = await lab.keystone.issueToken(alice, projectA.id);
    const res = await fetch(`${lab.api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify({ query: '{ clusters { nodes { name } } }' }),
    });
    const body = (await res.json()) as { data: { clusters: { nodes: { name: string }[] } } };
    return body.data.clusters.nodes.map((c) => c.name).filter((n) => n.startsWith(cluster));
  };


  it('refused credentials are one diagnostic on the password, and nothing is created', async () => {
    if (t.skipped()) return;
    t.wd.write({ 'main.tf': hcl(cluster, passwordBlock('wrong-password')) });
    await t.wd.ok(['init']);
    const r = await t.wd.run('apply', '-auto-approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Keystone refused the credentials/);
    expect(r.stderr).toMatch(/HTTP 401/);
    expect(r.stderr).not.toMatch(/wrong-password/);
    expect(await clustersOfA()).toEqual([]);
  });

  it('password settings in the provider block, endpoint from the catalog: apply creates in the project\'s tenant', async () => {
    if (t.skipped()) return;
    const { alice } = lab.keystone.fixture;
    t.wd.write({ 'main.tf': hcl(cluster, passwordBlock(alice.password)) });
    const apply = await t.wd.ok(['apply', '-auto-approve']);
    expect(apply.stdout).not.toContain(alice.password);
    expect(await clustersOfA()).toEqual([cluster]);
    expect((await t.wd.plan()).code).toBe(0);
  });

  it('`cloud` in the block: ./clouds.yaml merged with ./secure.yaml (the password) reads the same state; an unknown cloud is a diagnostic on it', async () => {
    if (t.skipped()) return;
    const { alice, projectA, domain } = lab.keystone.fixture;
    const auth = { auth_url: lab.keystone.authUrl, username: alice.name, user_domain_name: domain.name, project_name: projectA.name, project_domain_name: domain.name };
    t.wd.write({
      'clouds.yaml': `clouds:\n  lab:\n    auth:\n${Object.entries(auth).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`).join('')}`,
      'secure.yaml': `clouds:\n  lab:\n    auth:\n      password: ${JSON.stringify(alice.password)}\n`,
      'main.tf': hcl(cluster, '  cloud = "lab"'),
    });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/No changes/);
    expect(plan.code).toBe(0);

    t.wd.write({ 'main.tf': hcl(cluster, '  cloud = "nope"') });
    const r = await t.wd.run('plan');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot read the cloud/);
    expect(r.stderr).toMatch(/cloud "nope" was not found in \S*clouds\.yaml/);
    expect(r.stderr).toMatch(/cloud = "nope"/);
    expect(r.stderr).not.toContain(alice.password);
  });

  it('OS_CLOUD with an empty block: the cloud of ~/.config/openstack/clouds.yaml, or of OS_CLIENT_CONFIG_FILE before it', async () => {
    if (t.skipped()) return;
    const { alice, projectA, domain } = lab.keystone.fixture;
    const cloudsYaml = (name: string, password: string): string =>
      `clouds:\n  ${name}:\n    auth:\n      auth_url: ${JSON.stringify(lab.keystone.authUrl)}\n      username: ${JSON.stringify(alice.name)}\n      password: ${JSON.stringify(password)}\n      user_domain_name: ${JSON.stringify(domain.name)}\n      project_name: ${JSON.stringify(projectA.name)}\n      project_domain_name: ${JSON.stringify(domain.name)}\n`;
    // no ./clouds.yaml now: the next place looked in is ~/.config/openstack (HOME is the directory here)
    rmSync(join(t.wd.dir, 'clouds.yaml'));
    rmSync(join(t.wd.dir, 'secure.yaml'));
    mkdirSync(join(t.wd.dir, '.config', 'openstack'), { recursive: true });
    writeFileSync(join(t.wd.dir, '.config', 'openstack', 'clouds.yaml'), cloudsYaml('home', alice.password));
    t.wd.write({ 'main.tf': hcl(cluster, '') });
    t.wd.setEnv({ OS_CLOUD: 'home' });
    const plan = await t.wd.plan();
    expect(plan.stdout).toMatch(/No changes/);
    expect(plan.code).toBe(0);
    // OS_CLIENT_CONFIG_FILE comes first: its "home" has a wrong password, which Keystone refuses
    const explicit = join(t.wd.dir, 'elsewhere.yaml');
    writeFileSync(explicit, cloudsYaml('home', 'not-the-password'));
    t.wd.setEnv({ OS_CLIENT_CONFIG_FILE: explicit });
    const refused = await t.wd.run('plan');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Keystone refused the credentials/);
    t.wd.setEnv({ OS_CLOUD: '', OS_CLIENT_CONFIG_FILE: '' });
  });

  it('an application credential from OS_* variables reads the same state: the plan is empty', async () => {
    if (t.skipped()) return;
    const { appCredential } = lab.keystone.fixture;
    t.wd.write({ 'main.tf': hcl(cluster, '') });
    t.wd.setEnv({ OS_AUTH_URL: lab.keystone.authUrl, OS_APPLICATION_CREDENTIAL_ID: appCredential.id, OS_APPLICATION_CREDENTIAL_SECRET: appCredential.secret });
    const plan = await t.wd.plan();
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/No changes/);
  });

  it('destroy with a Keystone token (OS_TOKEN): the cluster is gone from the API', async () => {
    if (t.skipped()) return;
    const { alice, projectA, domain } = lab.keystone.fixture;
    const { token } = await lab.keystone.issueToken(alice, projectA.id);
    t.wd.setEnv({ OS_APPLICATION_CREDENTIAL_ID: '', OS_APPLICATION_CREDENTIAL_SECRET: '', OS_TOKEN: token, OS_PROJECT_ID: projectA.id, OS_USER_DOMAIN_NAME: domain.name });
    await t.wd.ok(['destroy', '-auto-approve']);
    expect(await clustersOfA()).toEqual([]);
    expect(await t.wd.state()).toEqual({});
  });
});
