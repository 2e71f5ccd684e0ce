/**
 * The provider authenticated by a real Keystone (the API validates its tokens), under real Terraform
 * and real OpenTofu: password settings in the provider block with the endpoint taken from the
 * catalog's `ha` service; the same state planned with an application credential from OS_*
 * variables (same project, so the same tenant: an empty plan); refused credentials as one
 * diagnostic with nothing created; destroy with a Keystone token (OS_TOKEN).
 */
import { type Cli, useProviderLab, Workdir } from './support/cli';

jest.setTimeout(600_000);

const lab = useProviderLab({ keystone: true });

const hcl = (name: string, block: string): string => `terraform {
  required_providers {
    haaas = { source = "haaas/haaas" }
  }
}
variable "os_password" {
  type      = string
  sensitive = true
  default   = null
}
provider "haaas" {
${block}
}
resource "haaas_cluster" "c" {
  name       = "${name}"
  hypervisor = "KVM"
}
`;
// no HAaaS token or URL: Keystone and its catalog only
const NO_HAAAS = { HAAAS_URL: '', HAAAS_TOKEN: '' };

describe.each(['terraform', 'tofu'] as const)('Keystone settings under %s', (name) => {
  let cli: Cli | undefined;
  let wd: Workdir;
  const cluster = `ks-${name}`;
  // the password from a sensitive variable, as a team would give it (Terraform prints the source
  // line of a diagnostic: a literal would be shown by Terraform itself)
  const passwordBlock = (password: string): string => {
    const { alice, projectA, domain } = lab.keystone.fixture;
    wd.setEnv({ TF_VAR_os_password: password });
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

  beforeAll(() => {
    cli = lab.cli(name);
    if (cli) wd = new Workdir(cli, lab.mirror, { url: lab.api.url, token: '' }, NO_HAAAS);
  });
  afterAll(() => wd?.remove());
  const skipped = (): boolean => {
    if (cli) return false;
    process.stderr.write(`${name} is not installed: its steps are skipped\n`);
    return true;
  };

  it('refused credentials are one diagnostic on the password, and nothing is created', async () => {
    if (skipped()) return;
    wd.write({ 'main.tf': hcl(cluster, passwordBlock('wrong-password')) });
    await wd.ok(['init']);
    const r = await wd.run('apply', '-auto-approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Keystone refused the credentials/);
    expect(r.stderr).toMatch(/HTTP 401/);
    expect(r.stderr).not.toMatch(/wrong-password/);
    expect(await clustersOfA()).toEqual([]);
  });

  it('password settings in the provider block, endpoint from the catalog: apply creates in the project\'s tenant', async () => {
    if (skipped()) return;
    const { alice } = lab.keystone.fixture;
    wd.write({ 'main.tf': hcl(cluster, passwordBlock(alice.password)) });
    const apply = await wd.ok(['apply', '-auto-approve']);
    expect(apply.stdout).not.toContain(alice.password);
    expect(await clustersOfA()).toEqual([cluster]);
    expect((await wd.plan()).code).toBe(0);
  });

  it('an application credential from OS_* variables reads the same state: the plan is empty', async () => {
    if (skipped()) return;
    const { appCredential } = lab.keystone.fixture;
    wd.write({ 'main.tf': hcl(cluster, '') });
    wd.setEnv({ OS_AUTH_URL: lab.keystone.authUrl, OS_APPLICATION_CREDENTIAL_ID: appCredential.id, OS_APPLICATION_CREDENTIAL_SECRET: appCredential.secret });
    const plan = await wd.plan();
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/No changes/);
  });

  it('destroy with a Keystone token (OS_TOKEN): the cluster is gone from the API', async () => {
    if (skipped()) return;
    const { alice, projectA, domain } = lab.keystone.fixture;
    const { token } = await lab.keystone.issueToken(alice, projectA.id);
    wd.setEnv({ OS_APPLICATION_CREDENTIAL_ID: '', OS_APPLICATION_CREDENTIAL_SECRET: '', OS_TOKEN: token, OS_PROJECT_ID: projectA.id, OS_USER_DOMAIN_NAME: domain.name });
    await wd.ok(['destroy', '-auto-approve']);
    expect(await clustersOfA()).toEqual([]);
    expect(await wd.state()).toEqual({});
  });
});
