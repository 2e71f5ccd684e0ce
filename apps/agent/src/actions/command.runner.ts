import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit code; null when killed by a signal or not started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed at the deadline. */
  readonly timedOut: boolean;
  /** The program could not be started (ENOENT...). */
  readonly spawnError?: string;
}

export interface CommandOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly env?: Readonly<Record<string, string>>;
}

/** Kept of each output stream: its end, where the error usually is. */
const MAX_OUTPUT = 64 * 1024;
/** After SIGTERM at the deadline, SIGKILL this much later. */
const KILL_GRACE_MS = 1000;
/**
 * Commands do not inherit the agent's environment: what they see is fixed here, so nothing of the
 * agent's (proxy settings, NODE_OPTIONS, anything an operator put there) leaks into them.
 */
export const COMMAND_ENV: Readonly<Record<string, string>> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/' };

/**
 * Runs a program (no shell unless the argv says so) in its own process group, so the deadline or
 * the agent's stop kills it with everything it started (SIGTERM, then SIGKILL).
 */
export function runCommand(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) return resolve({ code: null, signal: null, stdout: '', stderr: '', timedOut: false, spawnError: 'empty command' });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(file, args, { env: { ...COMMAND_ENV, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: '/' });
    const keep = (acc: string, chunk: Buffer): string => (acc + chunk.toString('utf8')).slice(-MAX_OUTPUT);
    child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr, d)));
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      killTimer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, Math.max(0, options.timeoutMs));
    const aborted = (): void => kill();
    options.signal?.addEventListener('abort', aborted, { once: true });
    const finish = (result: CommandResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', aborted);
      resolve(result);
    };
    child.once('error', (err) => finish({ code: null, signal: null, stdout, stderr, timedOut, spawnError: err.message }));
    child.once('close', (code, signal) => finish({ code, signal, stdout, stderr, timedOut }));
  });
}

/** Where the agent's actions run: the host's namespaces, or those given in the configuration (via nsenter). */
export interface Namespaces {
  /** A network namespace file (`/run/netns/x`, `/proc/<pid>/ns/net`). */
  readonly net?: string;
  /** A mount namespace file (`/proc/<pid>/ns/mnt`). */
  readonly mount?: string;
}

/** Runs commands in the configured namespaces. */
export class HostShell {
  constructor(readonly namespaces: Namespaces = {}) {}

  /** The argv that runs `argv` in the namespaces (unchanged when none are configured). */
  wrap(argv: readonly string[]): string[] {
    const { net, mount } = this.namespaces;
    if (!net && !mount) return [...argv];
    return ['nsenter', ...(net ? [`--net=${net}`] : []), ...(mount ? [`--mount=${mount}`] : []), '--', ...argv];
  }

  run(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
    return runCommand(this.wrap(argv), options);
  }

  /** Whether a program is installed where the actions run. */
  async has(program: string, signal?: AbortSignal): Promise<boolean> {
    const r = await this.run(['/bin/sh', '-c', `command -v ${program}`], { timeoutMs: 2000, ...(signal ? { signal } : {}) });
    return r.code === 0;
  }
}

/** The last lines of a command's stderr as one short text for the log and the API. */
export function describeFailure(r: CommandResult): string {
  if (r.spawnError) return `could not run: ${r.spawnError}`;
  if (r.timedOut) return 'killed at the deadline';
  if (r.code === null) return `killed by ${r.signal ?? 'a signal'}`;
  const last = r.stderr.trim().split('\n').pop()?.trim();
  return `exit code ${r.code}${last ? `: ${last}` : ''}`;
}
