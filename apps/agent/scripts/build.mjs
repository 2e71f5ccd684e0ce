// Bundles the node agent (apps/agent/src, which imports only Node's own modules) into one file,
// dist/haaas-agent.js: what hypervisor hosts run, with no TypeScript loader, no node_modules and no
// copy of the repository. The bundling shared with the CLI: tools/bundle-executable.mjs. The
// version comes from this package.json and must equal src/version.ts's, which the sources
// (tools/run.js) report: the build refuses a mismatch rather than ship two versions.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleExecutable } from '../../../tools/bundle-executable.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = readFileSync(join(root, 'src', 'version.ts'), 'utf8').match(/AGENT_VERSION = '([^']+)'/)?.[1];
if (source !== version) {
  console.error(`apps/agent: package.json version ${version} differs from src/version.ts (${source}): change both`);
  process.exit(1);
}
await bundleExecutable({
  root,
  outFile: 'haaas-agent.js',
  entry: { file: join('src', 'main.ts') },
  label: `haaas-agent ${version}`,
  // nothing but node: builtins may be left out of the bundle; readable stack traces in the journal
  options: { packages: 'bundle', keepNames: true },
});
