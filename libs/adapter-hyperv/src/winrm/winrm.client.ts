import { AdapterError, deadline } from '@haaas/hypervisor';
import {
  type Common,
  commandRequest,
  createShellRequest,
  deleteShellRequest,
  isOperationTimeout,
  parseCommandId,
  parseReceive,
  parseShellId,
  receiveRequest,
  ShellSignal,
  signalRequest,
} from './wsman.envelope';
import { type WinRmAuth, WinRmTransport, WsmanFaultError } from './winrm.transport';

export interface WinRmClientOptions {
  /** `https://host:5986/wsman` or `http://host:5985/wsman`. */
  readonly endpoint: string;
  readonly username: string;
  readonly password: string;
  /** Default: NTLM (works with a default Windows listener; Basic needs it enabled, and HTTPS or AllowUnencrypted). */
  readonly auth?: WinRmAuth;
  readonly insecureTls?: boolean;
  readonly ca?: string | Buffer;
  /** How long one Receive may wait on the server for output (OperationTimeout); default 20 s. */
  readonly operationTimeoutS?: number;
  /** Default 153600, what Windows accepts by default (MaxEnvelopeSizekb 150). */
  readonly maxEnvelopeSize?: number;
  /** How long the shell clean-up after a deadline may take; default 5 s. */
  readonly cleanupTimeoutMs?: number;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface RunOptions {
  readonly signal: AbortSignal;
  /** For error messages: the adapter operation, e.g. `startVm`. */
  readonly operation: string;
}

/** cmd.exe refuses longer command lines (and WinRM runs the command through it). */
export const MAX_COMMAND_LINE = 8191;

/**
 * A WinRM remote-shell client (MS-WSMV 3.1.4): each command runs in its own shell (Create,
 * Command, Receive until Done, Delete), so a command that is cut off by its deadline never leaves
 * state behind that the next one could trip on; the shell of a command cut off is terminated and
 * deleted in the background, with its own short deadline, and `close()` waits for that.
 */
export class WinRmClient {
  readonly url: URL;
  private readonly transport: WinRmTransport;
  private readonly common: Common;
  private readonly cleanups = new Set<Promise<void>>();

  constructor(private readonly options: WinRmClientOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new Error(`not a WinRM endpoint: ${this.url.protocol}`);
    this.transport = new WinRmTransport({
      url: this.url,
      username: options.username,
      password: options.password,
      auth: options.auth ?? 'ntlm',
      insecureTls: options.insecureTls,
      ca: options.ca,
    });
    this.common = { to: this.url.href, operationTimeoutS: options.operationTimeoutS ?? 20, maxEnvelopeSize: options.maxEnvelopeSize ?? 153_600 };
  }

  /** Runs one command line and collects its output and exit code. */
  async run(commandLine: string, o: RunOptions): Promise<CommandResult> {
    if (commandLine.length > MAX_COMMAND_LINE) {
      throw new AdapterError('UNSUPPORTED', `${o.operation}: command line of ${commandLine.length} characters, more than ${MAX_COMMAND_LINE}`, o.operation);
    }
    const shellId = await this.createShell(o);
    let commandId: string | undefined;
    try {
      commandId = await this.command(shellId, commandLine, o);
      const result = await this.receiveAll(shellId, commandId, o);
      await this.deleteShell(shellId, o);
      return result;
    } catch (error) {
      // Whatever went wrong, the shell must not stay open on the host (MaxShellsPerUser).
      this.cleanUp(shellId, commandId);
      throw error;
    }
  }

  async createShell(o: RunOptions): Promise<string> {
    const doc = await this.transport.send(createShellRequest(this.common, { codepage: 65001 }), o.signal, o.operation);
    const shellId = parseShellId(doc);
    if (!shellId) throw new AdapterError('FAILED', `${o.operation}: the server created no shell (no ShellId)`, o.operation);
    return shellId;
  }

  async command(shellId: string, commandLine: string, o: RunOptions): Promise<string> {
    const doc = await this.transport.send(commandRequest(this.common, shellId, commandLine), o.signal, o.operation);
    const commandId = parseCommandId(doc);
    if (!commandId) throw new AdapterError('FAILED', `${o.operation}: the server started no command (no CommandId)`, o.operation);
    return commandId;
  }

  /** Receive until CommandState Done; a Receive that times out on the server is sent again. */
  async receiveAll(shellId: string, commandId: string, o: RunOptions): Promise<CommandResult> {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    for (;;) {
      let chunk;
      try {
        chunk = parseReceive(await this.transport.send(receiveRequest(this.common, shellId, commandId), o.signal, o.operation), commandId);
      } catch (error) {
        if (error instanceof WsmanFaultError && isOperationTimeout(error.fault) && !o.signal.aborted) continue;
        throw error;
      }
      stdout.push(...chunk.stdout);
      stderr.push(...chunk.stderr);
      if (chunk.done) {
        // Decoded at the end: a multi-byte character can straddle two chunks.
        return { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), exitCode: chunk.exitCode ?? 0 };
      }
    }
  }

  async signal(shellId: string, commandId: string, code: string, o: RunOptions): Promise<void> {
    await this.transport.send(signalRequest(this.common, shellId, commandId, code), o.signal, o.operation);
  }

  async deleteShell(shellId: string, o: RunOptions): Promise<void> {
    await this.transport.send(deleteShellRequest(this.common, shellId), o.signal, o.operation);
  }

  /** Waits for background shell clean-ups, then closes the connections. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.cleanups]);
    this.transport.close();
  }

  /** Clean-ups still running (for tests and close). */
  settled(): Promise<void> {
    return Promise.allSettled([...this.cleanups]).then(() => undefined);
  }

  private cleanUp(shellId: string, commandId: string | undefined): void {
    const o: RunOptions = { signal: deadline(this.options.cleanupTimeoutMs ?? 5_000), operation: 'cleanup' };
    const job = (async () => {
      if (commandId) await this.signal(shellId, commandId, ShellSignal.terminate, o).catch(() => undefined);
      await this.deleteShell(shellId, o).catch(() => undefined);
    })();
    this.cleanups.add(job);
    void job.finally(() => this.cleanups.delete(job));
  }
}
