// Bundles the `haaas` command (apps/cli/src with @haaas/sdk, yargs, cli-table3, yaml, ws and
// graphql-ws) into one file, dist/haaas.js, so that the packed tarball installs with no
// dependency at all (`npm install -g haaas-cli-*.tgz` works offline). The repository's own bin
// (bin/haaas.js) runs the sources instead. esbuild: already the workspace's bundler (sdk tests).
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'haaas.js');
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  stdin: { contents: "require('./src/main.ts').main();", resolveDir: root, loader: 'js' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: out,
  // tsconfig's paths: @haaas/sdk -> sdk/src
  tsconfig: join(root, '..', '..', 'tsconfig.json'),
  banner: { js: '#!/usr/bin/env node' },
  // ws's optional native speed-ups: absent is fine (ws falls back to JS)
  external: ['bufferutil', 'utf-8-validate'],
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
chmodSync(out, 0o755);
// on stderr: `npm pack --json` runs this first and its stdout must stay JSON
console.error(`built ${out}`);
