import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AdapterError } from '@haaas/hypervisor';
import { virshCommandLine } from './virsh.args';
import { commandErrors } from './virsh.errors';
import { CREDENTIAL_PROMPT, frameInput, markerFor, PROMPT, stdoutOfFrame, takeStderrFrame, takeStdoutFrame } from './virsh-session.frame';
import { killGroup, spawnError, spawnVirsh, timeoutError, type VirshEnvironment, type VirshResult, type VirshRunOptions, type VirshTransport } from './virsh.transport';

/** A session that prints more than this without finishing a frame is not trusted any more. */
const MAX_BUFFER = 32 * 1024 * 1024;

interface Refable {
  ref?: () => void;
  unref?: () => void;
}

/** One interactive virsh process and what it has printed so far. */
class SessionProcess {
  readonly child: ChildProcess;
  readonly nonce = randomBytes(8).toString('hex');
  seq = 0;
  stdout = '';
  stderr = '';
  exited = false;
  exitText = '';
  private wake: (() => void) | undefined;

  constructor(e: VirshEnvironment) {
    this.child = spawnVirsh(e, [], 'pipe');
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    // a write to a virsh that just died: its exit is what the waiting command reports
    this.child.stdin?.on('error', () => undefined);
    this.child.once('error', (error) => this.end(`cannot run virsh: ${error.message}`));
    this.child.once('close', (code, signal) => this.end(`virsh ended (${signal ?? `exit ${code}`})`));
    this.setActive(true);
  }

  private end(text: string): void {
    if (this.exited) return;
    this.exited = true;
    this.exitText = text;
    this.notify();
  }

  private notify(): void {
    if (this.stdout.length + this.stderr.length > MAX_BUFFER) {
      killGroup(this.child);
      this.end('virsh printed too much without finishing a command');
    }
    this.wake?.();
  }

  /** Holds the event loop only while a command is under way, so an idle session never keeps Node running. */
  setActive(active: boolean): void {
    for (const handle of [this.child, this.child.stdout, this.child.stderr, this.child.stdin] as Refable[]) {
      if (active) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  /** Resolves with the first non-undefined value of `check`, re-evaluated on every output and on exit. */
  waitFor<T>(check: () => T | undefined, signal: AbortSignal): Promise<T | 'aborted'> {
    return new Promise((resolve) => {
      const done = (value: T | 'aborted'): void => {
        this.wake = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onAbort = (): void => done('aborted');
      this.wake = () => {
        const value = check();
        if (value !== undefined) done(value);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) return done('aborted');
      this.wake();
    });
  }

  kill(): void {
    killGroup(this.child);
    this.setActive(false);
  }
}

export interface VirshSessionOptions {
  /** Quit the interactive virsh after this long without commands (0: never). */
  readonly idleMs?: number;
}

/**
 * One long-lived interactive virsh per host: ~0.3-1 ms per command instead of a process (~15-35 ms).
 * Commands run one at a time in arrival order (virsh reads one line at a time); each has its own
 * deadline, whether it is still queued (it then leaves the queue) or running (virsh is killed and the
 * next command starts a new one). A virsh that died (host down at start, crash) is replaced on the
 * next command; one whose connection dropped reconnects by itself on the next command.
 */
export class VirshSessionTransport implements VirshTransport {
  readonly kind = 'session' as const;
  private proc: SessionProcess | undefined;
  private tail: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;

  constructor(
    private readonly e: VirshEnvironment,
    options: VirshSessionOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 60_000;
  }

  async run(args: readonly string[], o: VirshRunOptions): Promise<VirshResult> {
    if (o.signal.aborted) throw timeoutError(o.operation, 'before virsh started', o.signal);
    let line: string;
    try {
      line = virshCommandLine(args);
    } catch (error) {
      throw new AdapterError('FAILED', `${o.operation}: ${(error as Error).message}`, o.operation);
    }
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => mine);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    try {
      await waitOrAbort(previous, o.signal, o.operation);
      return await this.exec(line, o);
    } finally {
      release();
      this.armIdle();
    }
  }

  private async exec(line: string, o: VirshRunOptions): Promise<VirshResult> {
    let proc = this.proc;
    if (!proc || proc.exited) {
      const started = await this.start(o);
      if (!(started instanceof SessionProcess)) return started;
      proc = started;
    }
    proc.setActive(true);
    try {
      const marker = markerFor(proc.nonce, ++proc.seq);
      proc.child.stdin?.write(frameInput(line, marker));
      const outcome = await proc.waitFor(() => {
        const out = takeStdoutFrame(proc.stdout, marker);
        const err = out && takeStderrFrame(proc.stderr, marker);
        if (out && err) {
          proc.stdout = out.rest;
          proc.stderr = err.rest;
          return { out: out.frame, err: err.frame };
        }
        // a reconnect (after the host came back) may ask again, and would read our next lines as answers
        if (!out && CREDENTIAL_PROMPT.test(proc.stdout)) return 'credentials' as const;
        return proc.exited ? ('exited' as const) : undefined;
      }, o.signal);
      if (outcome === 'aborted') {
        this.discard(proc);
        throw timeoutError(o.operation, 'while virsh was running (session killed)', o.signal);
      }
      if (outcome === 'credentials') {
        this.discard(proc);
        return { ok: false, stdout: '', stderr: `${proc.stderr}error: authentication failed: libvirt asks for credentials this host's configuration does not give\n` };
      }
      if (outcome === 'exited') {
        this.discard(proc);
        return { ok: false, stdout: proc.stdout, stderr: withExit(proc) };
      }
      const stdout = stdoutOfFrame(outcome.out, marker);
      if (stdout === undefined) {
        this.discard(proc);
        throw new AdapterError('FAILED', `${o.operation}: interactive virsh answered out of step; it was restarted`, o.operation);
      }
      return { ok: commandErrors(outcome.err).length === 0, stdout, stderr: outcome.err };
    } finally {
      proc.setActive(false);
    }
  }

  /** A new interactive virsh, ready at its first prompt; or the result of its failure to connect. */
  private async start(o: VirshRunOptions): Promise<SessionProcess | VirshResult> {
    let proc: SessionProcess;
    try {
      proc = new SessionProcess(this.e);
    } catch (error) {
      throw spawnError(o.operation, error as Error);
    }
    this.proc = proc;
    const outcome = await proc.waitFor(() => {
      // the connection is opened before the first prompt: credentials asked for then would be read from our commands
      if (CREDENTIAL_PROMPT.test(proc.stdout)) return 'credentials' as const;
      if (PROMPT.test(proc.stdout)) return 'ready' as const;
      return proc.exited ? ('exited' as const) : undefined;
    }, o.signal);
    if (outcome === 'ready') {
      proc.stdout = '';
      return proc;
    }
    this.discard(proc);
    if (outcome === 'aborted') throw timeoutError(o.operation, 'while virsh was connecting (killed)', o.signal);
    if (outcome === 'credentials') {
      return { ok: false, stdout: '', stderr: `${proc.stderr}error: authentication failed: libvirt asks for credentials this host's configuration does not give\n` };
    }
    // virsh exits at start when it cannot connect; its stderr says why (refused, auth, ...)
    return { ok: false, stdout: proc.stdout, stderr: withExit(proc) };
  }

  private discard(proc: SessionProcess): void {
    proc.kill();
    if (this.proc === proc) this.proc = undefined;
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.idleMs <= 0) return;
    this.idleTimer = setTimeout(() => {
      const proc = this.proc;
      if (proc) this.discard(proc);
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** The pid of the current interactive virsh (tests: prove reuse and restart). */
  get pid(): number | undefined {
    return this.proc && !this.proc.exited ? this.proc.child.pid : undefined;
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const proc = this.proc;
    if (proc) this.discard(proc);
  }
}

function withExit(proc: SessionProcess): string {
  return proc.stderr.trim() ? proc.stderr : `${proc.stderr}error: ${proc.exitText || 'virsh ended'}\n`;
}

function waitOrAbort(promise: Promise<void>, signal: AbortSignal, operation: string): Promise<void> {
  if (signal.aborted) return Promise.reject(timeoutError(operation, 'while queued behind other commands', signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(timeoutError(operation, 'while queued behind other commands', signal));
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
