/**
 * `npm run bench provider-e2e-setup`: what each provider e2e file pays before its first
 * test, the old way next to the new one, interleaved in the same run:
 *
 * 1. the provider build: `scripts/build.mjs` into a temp dir (each file did this) vs
 *    `buildProvider()` (the build shared by every file, keyed by a hash of the sources: a hash and a
 *    directory check once it exists);
 * 2. `init` in a fresh working directory: the provider copied from the filesystem mirror vs linked
 *    from a plugin cache (TF_PLUGIN_CACHE_DIR), with Terraform and OpenTofu: the reason the tests
 *    use no plugin cache (it was no faster).
 *
 * No API is needed (init does not configure the provider). Prints medians and ratios; asserts nothing.
 * Environment: BENCH_ROUNDS (default 5).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildProvider, type Cli, ensureTofu, findTerraform, providerHcl, Workdir } from '../terraform-provider/test/support/cli';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function timed(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const build = buildProvider(); // warm: what every file after the first finds
  const clis: Cli[] = [...(findTerraform() ? [findTerraform() as Cli] : []), await ensureTofu()];
  const script = resolve(__dirname, '../terraform-provider/scripts/build.mjs');
  const rows: [string, number, number][] = [];

  const oldBuild: number[] = [];
  const newBuild: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-tfbuild-'));
    oldBuild.push(await timed(() => execFileSync(process.execPath, [script, dir], { stdio: 'ignore' })));
    rmSync(dir, { recursive: true, force: true });
    newBuild.push(await timed(() => buildProvider()));
  }
  rows.push(['provider build per file', median(oldBuild), median(newBuild)]);

  const api = { url: 'http://127.0.0.1:9', token: 'unused' };
  for (const cli of clis) {
    const copied: number[] = [];
    const linked: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const cache = mkdtempSync(join(tmpdir(), 'haaas-bench-plugin-cache-'));
      for (const [target, env] of [[copied, {}], [linked, { TF_PLUGIN_CACHE_DIR: cache, TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: 'true' }]] as const) {
        const wd = new Workdir(cli, build, api, env);
        wd.write({ 'main.tf': providerHcl() });
        target.push(await timed(() => wd.ok(['init'])));
        wd.remove();
      }
      rmSync(cache, { recursive: true, force: true });
    }
    rows.push([`${cli.name} init (mirror copy vs plugin cache)`, median(copied), median(linked)]);
  }

  process.stdout.write(`\nprovider e2e set-up, median of ${ROUNDS} interleaved rounds\n\n| step | before | after | after/before |\n| --- | --- | --- | --- |\n`);
  for (const [step, before, after] of rows) process.stdout.write(`| ${step} | ${fmt(before)} | ${fmt(after)} | ${(after / before).toFixed(2)}x |\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
