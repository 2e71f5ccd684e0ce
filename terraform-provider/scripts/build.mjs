// Builds the installable provider: one bundle (the provider, @haaas/sdk and its npm dependencies,
// so that Node 20+ is the one requirement), the .proto files it loads, and the launcher, laid out
// as a filesystem mirror under the provider's source address for Terraform's and OpenTofu's
// default registry hostnames:
//   dist/mirror/<host>/haaas/haaas/<version>/<os>_<arch>/terraform-provider-haaas_v<version>
// Usage: node scripts/build.mjs [outDir]   (default dist/)
import { build } from 'esbuild';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(here, 'dist'));
const { version } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
export const HOSTS = ['registry.terraform.io', 'registry.opentofu.org'];
const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
const target = `${process.platform}_${arch}`;

rmSync(out, { recursive: true, force: true });
const app = join(out, 'app');
mkdirSync(app, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.ts')],
  outfile: join(app, 'provider.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // the SDK from its sources, as the workspace's paths say
  alias: { '@haaas/sdk': join(here, '../sdk/src/index.ts'), '@haaas/os-config': join(here, '../libs/os-config/src/index.ts') },
  // optional peers the provider never loads (subscriptions are not used)
  external: ['graphql-ws', 'ws'],
});
cpSync(join(here, 'proto'), join(app, 'proto'), { recursive: true });
const launcher = `#!/bin/sh
# terraform-provider-haaas ${version}: Node.js 20+ on PATH is the one requirement.
here=$(dirname "$(readlink -f "$0")")
exec node "$here/provider.js" "$@"
`;
for (const host of HOSTS) {
  const dir = join(out, 'mirror', host, 'haaas', 'haaas', version, target);
  mkdirSync(dir, { recursive: true });
  cpSync(app, dir, { recursive: true });
  writeFileSync(join(dir, `terraform-provider-haaas_v${version}`), launcher);
  chmodSync(join(dir, `terraform-provider-haaas_v${version}`), 0o755);
}
writeFileSync(join(out, 'terraform-provider-haaas'), launcher.replace('"$here/provider.js"', '"$here/app/provider.js"'));
chmodSync(join(out, 'terraform-provider-haaas'), 0o755);
process.stdout.write(`built ${join(out, 'mirror')} (${version}, ${target})\n`);
