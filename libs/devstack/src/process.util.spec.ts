import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findServerPid, isAlive, logTail, readPidFile, ServerStartError, spawnServer, waitUntilReady } from './process.util';

describe('process utilities', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'haaas-devstack-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a server in its own process group, logging to a file, and stops it', async () => {
    const logFile = join(dir, 'server.log');
    const server = await spawnServer('/bin/sh', ['-c', 'echo hello; exec sleep 60'], { cwd: dir, logFile });
    const processGroup = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2];
    expect(Number(processGroup)).toBe(server.pid); // Ctrl-C in the terminal does not reach it
    expect(findServerPid(join(dir, 'none.pid'), { name: 'sleep', cwd: dir })).toBe(server.pid);
    await server.stop(5_000);
    expect(server.hasExited()).toBe(true);
    expect(isAlive(server.pid)).toBe(false);
    expect(logTail(logFile, 0)).toBe('hello');
  });

  it('kills a server that ignores SIGTERM once the stop timeout has passed', async () => {
    const server = await spawnServer('/bin/sh', ['-c', 'trap "" TERM; while :; do sleep 0.1; done'], { cwd: dir, logFile: join(dir, 'log') });
    const started = Date.now();
    await server.stop(300);
    expect(server.hasExited()).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('ignores a stale pid file', () => {
    const pidFile = join(dir, 'x.pid');
    writeFileSync(pidFile, `${process.pid}\n`); // alive, but not the server we look for
    expect(findServerPid(pidFile, { name: 'mariadbd', cwd: dir })).toBeUndefined();
  });

  it('reports an early exit with the end of the log', async () => {
    const logFile = join(dir, 'log');
    const server = await spawnServer('/bin/sh', ['-c', 'echo first; echo "bind: Address already in use"; exit 1'], { cwd: dir, logFile });
    const error = await waitUntilReady({ what: 'toy', server, ready: async () => false, timeoutMs: 5_000, logFile, logOffset: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerStartError);
    expect((error as ServerStartError).log).toContain('Address already in use');
  });

  it('gives up after the timeout and stops the server', async () => {
    const logFile = join(dir, 'log');
    const server = await spawnServer('/bin/sh', ['-c', 'exec sleep 60'], { cwd: dir, logFile });
    await expect(waitUntilReady({ what: 'toy', server, ready: async () => false, timeoutMs: 200, logFile, logOffset: 0 })).rejects.toThrow(
      /toy not ready after 200 ms/,
    );
    expect(server.hasExited()).toBe(true);
  });

  it('reads a pid file, but never pid 1 (its group, -1, would be every process)', () => {
    const file = join(dir, 'x.pid');
    expect(readPidFile(file)).toBeUndefined();
    for (const [text, pid] of [['4321\n', 4321], ['1\n', undefined], ['0', undefined], ['-7', undefined], ['', undefined], ['nope', undefined]] as const) {
      writeFileSync(file, text);
      expect(readPidFile(file)).toBe(pid);
    }
  });
});
