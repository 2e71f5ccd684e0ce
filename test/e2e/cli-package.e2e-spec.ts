import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startTestApi, type TestApi } from './support/api';

/**
 * The `haaas` command as an operator installs it: `npm pack` in apps/cli (prepack bundles it into
 * one file), `npm install -g` of the tarball into a fresh prefix, offline (it has no dependency),
 * then the installed `haaas` against the real API, from a directory outside the repository.
 */
const run = promisify(execFile);
const CLI = resolve(__dirname, '..', '..', 'apps', 'cli');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let api: TestApi;
let tmp: string;
let bin: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'haaas-cli-pack-'));
  const [packed, started] = await Promise.all([
    run(npm, ['pack', '--json', '--pack-destination', tmp, '--loglevel=error'], { cwd: CLI }),
    startTestApi(),
  ]);
  api = started;
  const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  expect(files.map((f) => f.path).sort()).toEqual(['README.md', 'dist/haaas.js', 'dist/haaas.js.LEGAL.txt', 'package.json']);
  const prefix = join(tmp, 'prefix');
  await run(npm, ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', '--loglevel=error', join(tmp, filename)], { cwd: tmp });
  bin = join(prefix, 'bin', 'haaas');
}, 300_000);

afterAll(async () => {
  await api?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed haaas command', () => {
  it('npm install -g of the tarball gives a haaas on the prefix’s PATH that works outside the repository', async () => {
    expect(existsSync(bin)).toBe(true);
    const env = { PATH: `${join(tmp, 'prefix', 'bin')}:${process.env['PATH'] ?? ''}`, HOME: tmp, HAAAS_URL: api.url, HAAAS_TOKEN: await api.token('cli-pack', ['member']) };
    const opts = { cwd: tmp, env };
    const created = await run('haaas', ['cluster', 'create', 'packed', '--hypervisor', 'KVM', '--heartbeat-source', 'AGENT', '-f', 'value', '-c', 'Name', '-c', 'Heartbeat Source'], opts);
    expect(created.stdout).toBe('packed\nAGENT\n');
    const listed = await run('haaas', ['cluster', 'list', '-f', 'json', '-c', 'Name'], opts);
    expect(JSON.parse(listed.stdout)).toEqual([{ Name: 'packed' }]);
    const help = await run('haaas', ['help'], opts);
    expect(help.stdout).toMatch(/haaas <object> <verb>/);
    // a usage error keeps its exit code in the bundle
    await expect(run('haaas', ['clustr', 'list'], opts)).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});
