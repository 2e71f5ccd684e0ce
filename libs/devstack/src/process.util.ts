import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a pid file; never 1 (init is no server of ours, and signalling group -1 reaches every process). */
export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pid of a live server for a data directory: the one in its pid file, checked (pid files outlive
 * crashes and pids get reused), else any process of that name working in that directory (a pid
 * file can be deleted while its server runs; a second server would then wait on InnoDB's lock).
 */
export function findServerPid(pidFile: string, expect: { name: string; cwd: string }): number | undefined {
  const pid = readPidFile(pidFile);
  if (!existsSync('/proc/self')) return pid !== undefined && isAlive(pid) ? pid : undefined; // nothing to check with
  if (pid !== undefined && processMatches(pid, expect)) return pid;
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && processMatches(Number(entry), expect)) return Number(entry);
  }
  return undefined;
}

function processMatches(pid: number, expect: { name: string; cwd: string }): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)[0] ?? '';
    return basename(argv0) === expect.name && readlinkSync(`/proc/${pid}/cwd`) === expect.cwd;
  } catch {
    return false; // gone, a zombie, or not ours to inspect
  }
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The text written to a file since `fromOffset` (at most the last 64 KiB of it). */
export function readSince(file: string, fromOffset: number): string {
  const end = fileSize(file);
  const start = Math.max(fromOffset, end - 64 * 1024);
  if (end <= start) return '';
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    readSync(fd, buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The last lines written to a log since `fromOffset`, for error messages. */
export function logTail(file: string, fromOffset: number, lines = 15): string {
  return readSince(file, fromOffset).trimEnd().split('\n').slice(-lines).join('\n');
}

// Kills the server if the Node process that started it dies without stopping it (SIGKILL,
// a crash, Ctrl-C without a handler), so no test run leaves a database behind.
const WATCHDOG = 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -0 "$1" 2>/dev/null || kill -TERM "$2" 2>/dev/null';

/** A server process this Node process started. */
export interface ServerProcess {
  readonly pid: number;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM, wait up to `timeoutMs` for a clean exit, then SIGKILL its process group. */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Starts a server detached, in its own process group (so Ctrl-C in the terminal reaches only the
 * caller, which stops it cleanly), with stdout and stderr appended to `logFile`.
 */
export async function spawnServer(cmd: string, args: string[], options: { cwd: string; logFile: string }): Promise<ServerProcess> {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { cwd: options.cwd, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<void>((resolve) => {
    const finish = (): void => {
      done = true;
      resolve();
    };
    child.once('exit', finish);
    child.once('error', finish);
  });
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`cannot start ${cmd}: ${error.message}`);
  }
  // The caller's stop() or the watchdog ends the server; it must not keep the event loop alive.
  child.unref();
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'haaas-watchdog', String(process.pid), String(pid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.once('error', () => undefined); // without a shell there is no safety net, nothing worse
  watchdog.unref();

  let stopping: Promise<void> | undefined;
  const stop = async (timeoutMs: number): Promise<void> => {
    if (watchdog.pid !== undefined && watchdog.exitCode === null) signal(watchdog.pid, 'SIGKILL');
    if (done) return;
    signal(pid, 'SIGTERM');
    if (await settlesWithin(exited, timeoutMs)) return;
    signal(-pid, 'SIGKILL'); // the whole group, in case it forked
    if (!(await settlesWithin(exited, 10_000))) throw new Error(`${cmd} (pid ${pid}) survived SIGKILL`);
  };
  return {
    pid,
    exited,
    hasExited: () => done,
    stop: (timeoutMs) => (stopping ??= stop(timeoutMs)),
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Whether `promise` settles within `ms`. */
export async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why a server did not come up, with the end of its log. */
export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(`${message}\n--- last lines of the log ---\n${log}`);
    this.name = 'ServerStartError';
  }
}

export interface ReadyWait {
  /** For messages: "MariaDB on port 1234". */
  what: string;
  server: ServerProcess;
  ready: () => Promise<boolean>;
  timeoutMs: number;
  logFile: string;
  logOffset: number;
  /** Log text that means the start has failed and waiting longer is pointless. */
  fatal?: RegExp;
}

/** Polls `ready` until it succeeds; on exit, fatal log text or timeout, stops the server and throws. */
export async function waitUntilReady(wait: ReadyWait): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    if (wait.server.hasExited()) {
      throw new ServerStartError(`${wait.what} exited while starting`, logTail(wait.logFile, wait.logOffset));
    }
    if (wait.fatal?.test(readSince(wait.logFile, wait.logOffset))) {
      await wait.server.stop(5_000);
      throw new ServerStartError(`${wait.what} cannot start`, logTail(wait.logFile, wait.logOffset));
    }
    if (await wait.ready()) return;
    if (Date.now() > deadline) {
      await wait.server.stop(5_000);
      throw new ServerStartError(`${wait.what} not ready after ${wait.timeoutMs} ms`, logTail(wait.logFile, wait.logOffset));
    }
    await Promise.race([sleep(50), wait.server.exited]);
  }
}
