import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackages, findBinary } from '@haaas/devstack';

/**
 * The Go WinRM client's own test server (github.com/dylanmei/winrmtest), built from the small Go
 * program in ./winrmtest-go and run on a loopback port: a WS-Management shell server that the
 * project did not write, for the adapter's WinRM client to be tested against. It checks no
 * credentials and answers every Receive at once with Done (its own limits, not WinRM's).
 */

export interface GoWinRmCommand {
  /** A Go regexp matched against the whole rsp:Command text. */
  readonly pattern: string;
  readonly stdout: string;
  readonly exitCode?: number;
}

export interface GoWinRmPeer {
  readonly url: string;
  stop(): Promise<void>;
}

const SOURCE = join(__dirname, 'winrmtest-go');

export async function startGoWinRmTest(commands: readonly GoWinRmCommand[]): Promise<GoWinRmPeer> {
  if (!findBinary('go')) await ensureDebianPackages(['golang-go'], { binaries: { 'golang-go': ['go'] } });
  const go = findBinary('go');
  if (!go) throw new Error('no go toolchain: apt-get install golang-go');
  const dir = await mkdtemp(join(tmpdir(), 'haaas-winrmtest-'));
  let child: ChildProcess | undefined;
  try {
    const binary = join(dir, 'winrmtest-peer');
    // Modules come from the Go module proxy (the module cache makes later builds quick).
    await promisify(execFile)(go, ['build', '-o', binary, '.'], { cwd: SOURCE, env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' }, timeout: 240_000 });
    const spec = join(dir, 'commands.json');
    await writeFile(spec, JSON.stringify(commands.map((c) => ({ exitCode: 0, ...c }))), { mode: 0o600 });
    // stdin stays open while we run: if this process dies, the peer sees EOF and exits.
    const started = spawn(binary, [spec], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    child = started;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`winrmtest did not start: ${err}`)), 10_000);
      started.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] ?? '');
        }
      });
      started.stderr.on('data', (c: Buffer) => (err += c.toString()));
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`winrmtest exited with ${code}: ${err}`));
      });
    });
    const exited = new Promise<void>((resolve) => (started.exitCode !== null ? resolve() : started.once('exit', () => resolve())));
    let stopping: Promise<void> | undefined;
    return {
      url,
      stop: () =>
        (stopping ??= (async () => {
          try {
            if (started.pid !== undefined) process.kill(-started.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          await exited;
          await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (error) {
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
