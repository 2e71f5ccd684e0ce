import { spawn } from 'node:child_process';

export interface ProcessRun {
  readonly file: string;
  readonly args?: readonly string[];
  /** Written to stdin, then stdin is closed. */
  readonly stdin?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Fires: the whole process group is killed (TERM, then KILL after `killGraceMs`). */
  readonly signal: AbortSignal;
  readonly killGraceMs?: number;
  /** Per stream; the rest is dropped (an agent in a loop must not eat the memory). */
  readonly maxOutputBytes?: number;
}

export interface ProcessOutcome {
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The signal fired and we killed the process group. */
  readonly killed: boolean;
  /** It could not be started at all (ENOENT, EACCES). */
  readonly spawnError?: Error;
  readonly durationMs: number;
}

/**
 * Runs a program in its own process group and waits for it, killing the whole group when the
 * signal fires: fence agents start helpers (ipmitool, ssh, telnet) that must not outlive them.
 */
export function runProcess(run: ProcessRun): Promise<ProcessOutcome> {
  const started = performance.now();
  const max = run.maxOutputBytes ?? 1024 * 1024;
  return new Promise((resolve) => {
    if (run.signal.aborted) {
      resolve({ exitCode: null, exitSignal: null, stdout: '', stderr: '', killed: true, durationMs: 0 });
      return;
    }
    // detached: a new session and process group whose id is the child's pid, so -pid reaches helpers
    const child = spawn(run.file, [...(run.args ?? [])], { env: run.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on('data', (b: Buffer) => {
      if (outBytes < max) out.push(b.subarray(0, max - outBytes));
      outBytes += b.length;
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errBytes < max) err.push(b.subarray(0, max - errBytes));
      errBytes += b.length;
    });
    // An agent that exits before reading stdin closes the pipe: EPIPE is not our failure.
    child.stdin.on('error', () => undefined);

    let killed = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // the group is gone already
      }
    };
    const onAbort = (): void => {
      killed = true;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), run.killGraceMs ?? 300);
    };
    run.signal.addEventListener('abort', onAbort, { once: true });

    let spawnError: Error | undefined;
    child.once('error', (e) => (spawnError = e));
    child.once('close', (code, sig) => {
      run.signal.removeEventListener('abort', onAbort);
      if (graceTimer) clearTimeout(graceTimer);
      // The agent is gone; a helper it left in the group (a stuck ipmitool) goes with it.
      if (killed || code !== 0) killGroup('SIGKILL');
      resolve({
        exitCode: spawnError ? null : code,
        exitSignal: sig,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        killed,
        ...(spawnError ? { spawnError } : {}),
        durationMs: performance.now() - started,
      });
    });
    if (run.stdin !== undefined) child.stdin.end(run.stdin);
    else child.stdin.end();
  });
}
