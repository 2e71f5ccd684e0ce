import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, logTail, readPidFile, sleep } from '@haaas/devstack';

/** A temp directory only its owner can enter (peers keep passwords and keys in it). */
export function privateDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `haaas-${prefix}-`));
  chmodSync(dir, 0o700);
  return dir;
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // gone already (or not a group leader)
    }
  }
}

/** TERM to the process group of `pid`, KILL after `graceMs`; resolves when it is gone (or after 5 s more). */
export async function stopGroup(pid: number, graceMs = 2000): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (isAlive(pid) && !isZombie(pid) && Date.now() < until) await sleep(25);
  signalGroup(pid, 'SIGKILL');
  const hard = Date.now() + 5000;
  while (isAlive(pid) && !isZombie(pid) && Date.now() < hard) await sleep(25);
}

/** Stops every process whose pid is in a `*.pid` file of `dir` (what a peer and its scripts started). */
export async function stopPidFiles(dir: string, graceMs = 2000): Promise<void> {
  if (!existsSync(dir)) return;
  const pids = readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => readPidFile(join(dir, f)))
    .filter((p): p is number => p !== undefined);
  await Promise.all(pids.map((p) => stopGroup(p, graceMs)));
}

// A reaped-by-nobody child shows as alive to kill(0) until its parent waits for it.
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Starts a program in its own session and process group (so a peer's daemons are not hit by a
 * Ctrl-C meant for jest, and stop() can kill the whole group), output appended to `logFile`.
 */
export function spawnDetached(cmd: string, args: readonly string[], options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv }): number {
  const fd = openSync(options.logFile, 'a', 0o600);
  try {
    const child = spawn(cmd, [...args], { cwd: options.cwd, detached: true, stdio: ['ignore', fd, fd], env: options.env ?? process.env });
    child.once('error', () => undefined); // surfaces as "exited while starting" to the caller
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start ${cmd}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Kills what a peer started if this Node process dies without stopping it (jest killed, a crash):
 * a shell that waits for our pid to vanish, then kills every process group named in DIR/*.pid.
 * Returns its pid, to be killed by a normal stop().
 */
export function startWatchdog(dir: string): number {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'for f in "$2"/*.pid; do [ -f "$f" ] || continue; p=$(cat "$f"); kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done';
  const child = spawn('/bin/sh', ['-c', script, 'haaas-peer-watchdog', String(process.pid), dir], { detached: true, stdio: 'ignore' });
  child.once('error', () => undefined);
  child.unref();
  return child.pid ?? 0;
}

/** A UDP port on 127.0.0.1 that is free now (IPMI is UDP; devstack's freePort is TCP). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind({ address: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Whether something has bound UDP 127.0.0.1:port (read from /proc/net/udp: no packet sent). */
export function isUdpBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    return readFileSync('/proc/net/udp', 'utf8')
      .split('\n')
      .some((line) => {
        const local = line.trim().split(/\s+/)[1] ?? '';
        return (local.startsWith('0100007F') || local.startsWith('00000000')) && local.endsWith(hex);
      });
  } catch {
    return false;
  }
}

/** Polls `ready` until true; throws with the log's tail if the process exits or time runs out. */
export async function waitFor(what: string, ready: () => boolean | Promise<boolean>, o: { pid?: number; timeoutMs: number; logFile?: string }): Promise<void> {
  const until = Date.now() + o.timeoutMs;
  for (;;) {
    if (await ready()) return;
    const dead = o.pid !== undefined && (!isAlive(o.pid) || isZombie(o.pid));
    if (dead || Date.now() > until) {
      const tail = o.logFile ? logTail(o.logFile, 0) : '';
      throw new Error(`${what} ${dead ? 'exited while starting' : `not ready after ${o.timeoutMs} ms`}${tail ? `\n--- log ---\n${tail}` : ''}`);
    }
    await sleep(25);
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Stops what a peer started (its pid files' process groups, then its watchdog) and removes its directory. */
export async function stopPeer(dir: string, watchdog: number, graceMs = 2000): Promise<void> {
  await stopPidFiles(dir, graceMs);
  await stopGroup(watchdog, 0);
  removeDir(dir);
}
