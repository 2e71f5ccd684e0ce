// Bundles the node agent (apps/agent/src, which imports only Node's own modules) into one file,
// dist/haaas-agent.js: what hypervisor hosts run, with no TypeScript loader, no node_modules and no
// copy of the repository. Same approach as the CLI's scripts/build.mjs (esbuild, the workspace's
// bundler). The version comes from this package.json and must equal src/version.ts's, which the
// sources (tools/run.js) report: the build refuses a mismatch rather than ship two versions.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'haaas-agent.js');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = readFileSync(join(root, 'src', 'version.ts'), 'utf8').match(/AGENT_VERSION = '([^']+)'/)?.[1];
if (source !== version) {
  console.error(`apps/agent: package.json version ${version} differs from src/version.ts (${source}): change both`);
  process.exit(1);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: out,
  tsconfig: join(root, '..', '..', 'tsconfig.json'),
  banner: { js: '#!/usr/bin/env node' },
  // nothing but node: builtins may be left out of the bundle
  packages: 'bundle',
  minify: true,
  // readable stack traces in the journal without shipping the sources
  keepNames: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
chmodSync(out, 0o755);
// on stderr: `npm pack --json` runs this first and its stdout must stay JSON
console.error(`built ${out} (haaas-agent ${version})`);
