// CDKTF bindings of the provider, generated from its real schema, never written by hand:
// builds the provider, asks real Terraform (or OpenTofu) for `providers schema -json` through a
// filesystem mirror, and runs the generator of cdktf 0.21 (@cdktf/provider-generator) or of CDK
// Terrain 0.24 (@cdktn/provider-generator) on it.
// Usage: node cdktf/generate.mjs [--cli <terraform|tofu path>] [--generator cdktf|cdktn] [outDir]
//   (default: terraform on PATH, cdktf, cdktf/.gen; writes <outDir>/schema.json and <outDir>/providers/haaas)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({ options: { cli: { type: 'string', default: 'terraform' }, generator: { type: 'string', default: 'cdktf' } }, allowPositionals: true });
const out = resolve(positionals[0] ?? join(here, 'cdktf', '.gen'));
const generatorPackage = { cdktf: '@cdktf/provider-generator', cdktn: '@cdktn/provider-generator' }[values.generator];
if (!generatorPackage) throw new Error(`--generator cdktf or cdktn, not ${values.generator}`);

const tmp = mkdtempSync(join(tmpdir(), 'haaas-cdktf-get-'));
try {
  execFileSync(process.execPath, [join(here, 'scripts', 'build.mjs'), join(tmp, 'dist')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const work = join(tmp, 'work');
  mkdirSync(work);
  // the address as CDKTF users write it (registry.terraform.io/haaas/haaas), from the mirror
  writeFileSync(join(work, '.cli.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path    = "${join(tmp, 'dist', 'mirror')}"\n    include = ["registry.terraform.io/haaas/haaas"]\n  }\n}\n`);
  writeFileSync(join(work, 'main.tf'), 'terraform {\n  required_providers {\n    haaas = { source = "registry.terraform.io/haaas/haaas" }\n  }\n}\n');
  const env = { PATH: process.env.PATH, HOME: work, TF_CLI_CONFIG_FILE: join(work, '.cli.tfrc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  execFileSync(values.cli, ['init', '-no-color', '-input=false'], { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const schema = JSON.parse(execFileSync(values.cli, ['providers', 'schema', '-json'], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 << 20 }));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'schema.json'), `${JSON.stringify(schema, null, 2)}\n`);
  const { CodeMaker, TerraformProviderGenerator } = createRequire(import.meta.url)(generatorPackage);
  const code = new CodeMaker();
  new TerraformProviderGenerator(code, schema).generateAll();
  await code.save(out);
  process.stdout.write(`generated ${join(out, 'providers', 'haaas')} with ${generatorPackage} from the schema of ${values.cli}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
