// `npm test`: lint, type check (the workspace, then the provider package), the structure checks
// (no import cycle between files, file sizes), then jest (extra arguments go to jest). Stops at the first failure;
// ends with a plain `N passed, N failed[, N skipped]` line from jest's JSON results.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

interface JestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}

function run(cmd: string, args: string[]): Promise<number> {
  process.stdout.write(`\n==> ${[cmd.replace(`${root}/`, ''), ...args].join(' ')}\n`);
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    child.once('error', (error) => {
      process.stderr.write(`${cmd}: ${error.message}\n`);
      done(127);
    });
    child.once('exit', (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

async function main(): Promise<number> {
  // Ctrl-C reaches the children too (same process group); we wait for them to clean up and report.
  process.on('SIGINT', () => undefined);
  const sources = ['apps', 'libs', 'sdk/src', 'sdk/test', 'sdk/scripts', 'terraform-provider/src', 'bench', 'tools', 'test'].filter((d) => existsSync(join(root, d)));
  // The Nx boundary rule reads the cached project graph and is silently skipped without one (a
  // fresh clone has none): compute it first, in this process tree (no daemon left behind).
  process.env['NX_DAEMON'] = 'false';
  for (const [cmd, args] of [
    [bin('nx'), ['show', 'projects', '--json']],
    [bin('eslint'), ['.']],
    [bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
    // the provider is its own package (outside the workspace's tsconfig), type checked on its own
    [bin('tsc'), ['-p', 'terraform-provider/tsconfig.json', '--noEmit']],
    // the SDK's tests and scripts too (the workspace's tsconfig leaves sdk/ out): its e2e harness
    // composes the server's modules, and a change there must fail here, not at run time
    [bin('tsc'), ['-p', 'sdk/tsconfig.json', '--noEmit']],
    [bin('depcruise'), ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...sources]],
    [process.execPath, [join(root, 'tools', 'run.js'), join(root, 'tools', 'checks', 'file-sizes.ts')]],
  ] as const) {
    const code = await run(cmd, [...args]);
    if (code !== 0) return code;
  }
  const dir = mkdtempSync(join(tmpdir(), 'haaas-jest-'));
  const outputFile = join(dir, 'results.json');
  try {
    const code = await run(bin('jest'), ['--json', `--outputFile=${outputFile}`, ...process.argv.slice(2)]);
    let results: JestResults;
    try {
      results = JSON.parse(readFileSync(outputFile, 'utf8')) as JestResults;
    } catch {
      process.stderr.write('jest wrote no results\n');
      return code || 1;
    }
    const skipped = results.numPendingTests > 0 ? `, ${results.numPendingTests} skipped` : '';
    process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped}\n`);
    return code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
