// Builds dist/esm and dist/cjs with tsc, once per module format, each with its own declarations,
// and marks each folder's format with a package.json (the package itself has no "type").
// `--if-stale` (what `prepack` runs) does nothing when dist is newer than every source and config,
// so `npm run build && npm pack` builds once.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

if (process.argv.includes('--if-stale') && !stale()) {
  console.error('dist/esm and dist/cjs are up to date');
  process.exit(0);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const [config, type] of [
  ['tsconfig.esm.json', 'module'],
  ['tsconfig.build.json', 'commonjs'],
]) {
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, config)], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const out = join(root, 'dist', type === 'module' ? 'esm' : 'cjs');
  mkdirSync(out, { recursive: true });
  // sideEffects again: bundlers read the nearest package.json, which for these files is this one
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type, sideEffects: false }, null, 2)}\n`);
}
// on stderr: `npm pack --json` runs this first and its stdout must stay JSON
console.error('built dist/esm and dist/cjs');

/** True unless both builds exist and are newer than every file they are made from. */
function stale() {
  const built = ['dist/esm/package.json', 'dist/cjs/package.json'].map((f) => join(root, f));
  if (!built.every((f) => existsSync(f))) return true;
  const builtAt = Math.min(...built.map((f) => statSync(f).mtimeMs));
  const inputs = [join(root, 'package.json'), join(root, 'tsconfig.build.json'), join(root, 'tsconfig.esm.json'), ...files(join(root, 'src'))];
  return inputs.some((f) => statSync(f).mtimeMs > builtAt);
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}
