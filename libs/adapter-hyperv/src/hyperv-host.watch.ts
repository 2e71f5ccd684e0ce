import { deadline, type HostWatch, type ManagedHostState, sleep } from '@haaas/hypervisor';
import { redact } from '@haaas/secrets';
import { type WinRmClient } from './winrm/winrm.client';

export interface HypervHostWatchOptions {
  /** Pause between two liveness commands (default 1 s; the feed writes at each cluster's interval). */
  readonly intervalMs?: number;
  /** Deadline of one command (default 3 s). */
  readonly commandDeadlineMs?: number;
  /** An answer older than this is no answer (default 3 intervals): the host went silent. */
  readonly staleAfterMs?: number;
  /** Passwords to keep out of `problem`. */
  readonly secrets?: readonly string[];
}

/**
 * The Hyper-V manager heartbeat channel: one WinRM shell kept open on the host, and in it, every
 * `intervalMs`, `hostname` (hostname.exe: no PowerShell start-up, which costs 0.3-1 s a call on a
 * real host; WinRM runs the command line through cmd.exe). An answer within the deadline means the
 * host's OS and its WinRM service are up. A Hyper-V host is its own endpoint, so this channel is
 * per host (one watch per node) and not independent of the adapter's probe: the node's check
 * address is the independent one. It cannot tell NETWORK_ from STORAGE_ISOLATED, nor whether the
 * VMMS (Hyper-V's management service) is healthy; maintenance is not read (the probe reads it).
 * A shell that fails is dropped and created again at the next turn.
 */
export class HypervHostWatch implements HostWatch {
  private shellId: string | null = null;
  private lastAnswerAt: number | null = null;
  private lastError: string | null = 'not connected yet';
  private closed = false;
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;
  private readonly intervalMs: number;
  private readonly commandDeadlineMs: number;
  private readonly staleAfterMs: number;
  private firstAnswer: (() => void) | null = null;
  private readonly first: Promise<void>;
  /** Commands run (for tests and stats). */
  commands = 0;
  /** Shells created (one while the host keeps answering). */
  shells = 0;

  constructor(
    private readonly client: WinRmClient,
    /** The host's name as its node names it (the key of `current()`). */
    private readonly host: string,
    private readonly options: HypervHostWatchOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.commandDeadlineMs = options.commandDeadlineMs ?? 3_000;
    this.staleAfterMs = options.staleAfterMs ?? 3 * this.intervalMs;
    this.first = new Promise((resolve) => (this.firstAnswer = resolve));
    this.loop = this.run();
  }

  current(): ReadonlyMap<string, ManagedHostState> | null {
    if (this.lastAnswerAt === null || performance.now() - this.lastAnswerAt > this.staleAfterMs) return null;
    return new Map([[this.host.toLowerCase(), { host: this.host, connectionState: 'CONNECTED', poweredOn: true, maintenance: false, bootTimeMs: null }]]);
  }

  get problem(): string | null {
    return this.current() === null ? (this.lastError ?? 'no recent answer') : null;
  }

  async ready(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.first.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    await this.loop;
    if (this.shellId) await this.client.deleteShell(this.shellId, { signal: deadline(2_000), operation: 'watch' }).catch(() => undefined);
    await this.client.close();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const started = performance.now();
      try {
        await this.ask();
        this.lastAnswerAt = performance.now();
        this.lastError = null;
        this.firstAnswer?.();
      } catch (error) {
        if (this.closed) return;
        this.lastError = redact(error instanceof Error ? error.message : String(error), this.options.secrets ?? []);
        const shell = this.shellId;
        this.shellId = null;
        // the old shell may still be open on a host that answers again: remove it in the background
        if (shell) void this.client.deleteShell(shell, { signal: deadline(2_000), operation: 'watch' }).catch(() => undefined);
      }
      const pause = Math.max(0, this.intervalMs - (performance.now() - started));
      await sleep(pause, this.stop.signal, 'watch').catch(() => undefined);
    }
  }

  private async ask(): Promise<void> {
    const o = { signal: AbortSignal.any([deadline(this.commandDeadlineMs), this.stop.signal]), operation: 'watch' };
    if (!this.shellId) {
      this.shellId = await this.client.createShell(o);
      this.shells += 1;
    }
    const commandId = await this.client.command(this.shellId, 'hostname', o);
    this.commands += 1;
    const result = await this.client.receiveAll(this.shellId, commandId, o);
    if (result.exitCode !== 0 || result.stdout.trim() === '') throw new Error(`hostname exited ${result.exitCode}: ${result.stderr.trim().slice(0, 200)}`);
  }
}
