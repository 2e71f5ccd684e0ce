// Writes docs/ (registry format) from the schemas and examples/; test/docs.spec.ts fails when they are stale.
// The schemas are bundled with esbuild as in the build (the SDK's sources import `./x.js`).
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'haaas-docs-'));
try {
  const outfile = join(tmp, 'docs.cjs');
  await build({ entryPoints: [join(here, 'src/docs.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning', alias: { '@haaas/sdk': join(here, '../sdk/src/index.ts'), '@haaas/os-config': join(here, '../libs/os-config/src/index.ts') }, external: ['graphql-ws', 'ws'] });
  const files = createRequire(import.meta.url)(outfile).docFiles(join(here, 'examples'));
  const root = join(here, 'docs');
  for (const f of files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.text);
  }
  process.stdout.write(`wrote ${files.length} docs into ${root}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
