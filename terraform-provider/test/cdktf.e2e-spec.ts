/**
 * The CDKTF bindings and example: bindings generated from the provider's real schema (asked of
 * real Terraform, else OpenTofu) by cdktf 0.21's generator and by CDK Terrain 0.24's declare the
 * same API; the example app type checks against them; what it synthesizes is planned and applied
 * by the real CLI against the real API (cluster, 3 nodes, IPMI fencing, a domain, 5 services),
 * a second plan is empty, destroy removes it all.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Cli, useProviderLab, Workdir } from './support/cli';

jest.setTimeout(600_000);
const run = promisify(execFile);
const root = resolve(__dirname, '..');
const repo = resolve(root, '..');
const lab = useProviderLab();
let tmp: string;
let cli: Cli;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'haaas-cdktf-'));
  // the bindings name the provider registry.terraform.io/haaas/haaas: any CLI installs it from there
  const found = lab.cli('terraform') ?? lab.cli('tofu');
  if (!found) throw new Error('neither Terraform nor OpenTofu');
  cli = { ...found, host: 'registry.terraform.io' };
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const generate = (generator: 'cdktf' | 'cdktn', out: string) => run(process.execPath, [join(root, 'cdktf', 'generate.mjs'), '--cli', cli.bin, '--generator', generator, out], { cwd: root });

/** The declarations of generated bindings (exports, members, config fields), with the library's name made one. */
function declarations(dir: string): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    // the index files list the same modules in another order
    if (!entry.isFile() || !entry.name.endsWith('.ts') || (/index\.ts$/.test(entry.name) && entry.parentPath === dir)) continue;
    const path = join(entry.parentPath, entry.name);
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (/^\s*(export |public |readonly |protected )/.test(line)) lines.push(`${path.slice(dir.length)}: ${line.trim().replace(/cdktn/g, 'cdktf')}`);
    }
  }
  return lines.sort();
}

describe('CDKTF bindings of the provider', () => {
  it('are generated from the real schema; cdktf 0.21 and CDK Terrain 0.24 declare the same API', async () => {
    await generate('cdktf', join(tmp, 'cdktf'));
    await generate('cdktn', join(tmp, 'cdktn'));
    const schema = JSON.parse(readFileSync(join(tmp, 'cdktf', 'schema.json'), 'utf8')) as { provider_schemas: Record<string, { resource_schemas: object; data_source_schemas: object }> };
    const haaas = schema.provider_schemas['registry.terraform.io/haaas/haaas'];
    expect(Object.keys(haaas?.resource_schemas ?? {})).toHaveLength(9);
    expect(Object.keys(haaas?.data_source_schemas ?? {})).toHaveLength(5);
    const a = declarations(join(tmp, 'cdktf', 'providers', 'haaas'));
    expect(a.some((l) => l.includes('export class Service extends cdktf.TerraformResource'))).toBe(true);
    expect(a.some((l) => l.includes('export class DataHaaasFenceAgent extends cdktf.TerraformDataSource'))).toBe(true);
    expect(declarations(join(tmp, 'cdktn', 'providers', 'haaas'))).toEqual(a);
  });

  it('the example app type checks against them', async () => {
    await generate('cdktf', join(root, 'cdktf', '.gen'));
    await run(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'cdktf', 'tsconfig.json')], { cwd: repo });
  });

  it('what the example synthesizes is planned and applied by the real CLI; the plan after is empty; destroy removes it', async () => {
    const token = await lab.api.token('cdktf-tenant', ['member']);
    const wd = new Workdir(cli, lab.build, { url: lab.api.url, token });
    try {
      // synth runs the app: the stack's local backend is relative to where it runs
      await run(process.execPath, [join(repo, 'tools', 'run.js'), join(root, 'cdktf', 'example', 'main.ts')], {
        cwd: wd.dir,
        env: { ...process.env, CDKTF_OUTDIR: join(wd.dir, 'cdktf.out'), HAAAS_EXAMPLE_NAME: 'cdk-dc' },
      });
      cpSync(join(wd.dir, 'cdktf.out', 'stacks', 'datacenter', 'cdk.tf.json'), join(wd.dir, 'cdk.tf.json'));
      await wd.ok(['init']);
      const plan = await wd.plan();
      expect(plan.stdout).toMatch(/Plan: 19 to add, 0 to change, 0 to destroy/);
      await wd.ok(['apply', '-auto-approve']);
      const s = await wd.state();
      const services = Object.entries(s).filter(([addr]) => addr.startsWith('haaas_service.'));
      expect(services).toHaveLength(5);
      for (const [, v] of services) {
        const r = await lab.api.ok<{ service: { state: string; policy: { failoverDomainId: string } } }>(token, 'query($id: ID!) { service(id: $id) { state policy { failoverDomainId } } }', { id: v['id'] });
        expect(r.service).toEqual({ state: 'STOPPED', policy: { failoverDomainId: s['haaas_failover_domain.primary']?.['id'] } });
      }
      const dev = await lab.api.ok<{ fencingDevice: { associations: { level: number }[] } }>(token, 'query($id: ID!) { fencingDevice(id: $id) { associations { level } } }', { id: s['haaas_fencing_device.ipmi']?.['id'] });
      expect(dev.fencingDevice.associations).toHaveLength(3);
      expect((await wd.plan()).code).toBe(0);
      await wd.ok(['destroy', '-auto-approve']);
      const gone = await lab.api.gql(token, 'query($id: ID!) { cluster(id: $id) { id } }', { id: s['haaas_cluster.cluster']?.['id'] });
      expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    } finally {
      wd.remove();
    }
  });
});
