import type { ChildProcess } from 'node:child_process';
import { killGroup, spawnError, spawnVirsh, timeoutError, type VirshEnvironment, type VirshResult, type VirshRunOptions, type VirshTransport } from './virsh.transport';

/** Output beyond this is cut: a domain XML is kilobytes; anything near this is not virsh talking sense. */
const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * One `virsh -c URI <command>` process per call: nothing shared, nothing to go stale, ~15-35 ms each.
 * Used for commands that may run long (migrate) and as the simple alternative to the session.
 */
export class VirshProcessTransport implements VirshTransport {
  readonly kind = 'process' as const;
  private readonly running = new Set<ChildProcess>();

  constructor(private readonly e: VirshEnvironment) {}

  run(args: readonly string[], o: VirshRunOptions): Promise<VirshResult> {
    if (o.signal.aborted) return Promise.reject(timeoutError(o.operation, 'before virsh started', o.signal));
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        // stdin closed: should the connection want credentials the auth file lacks, virsh reads EOF and fails at once
        child = spawnVirsh(this.e, args, 'ignore');
      } catch (error) {
        reject(spawnError(o.operation, error as Error));
        return;
      }
      this.running.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_OUTPUT) into.push(chunk);
      };
      child.stdout?.on('data', collect(out));
      child.stderr?.on('data', collect(err));
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        o.signal.removeEventListener('abort', onAbort);
        this.running.delete(child);
        fn();
      };
      const onAbort = (): void => {
        killGroup(child);
        finish(() => reject(timeoutError(o.operation, 'while virsh was running (killed)', o.signal)));
      };
      o.signal.addEventListener('abort', onAbort, { once: true });
      child.once('error', (error) => {
        killGroup(child);
        finish(() => reject(spawnError(o.operation, error)));
      });
      // 'close' rather than 'exit': all output has been read by then
      child.once('close', (code, sig) => {
        const stderr = Buffer.concat(err).toString('utf8');
        finish(() =>
          resolve({
            ok: code === 0,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: code === 0 || stderr.trim() ? stderr : `${stderr}error: virsh ended without a message (${sig ?? `exit ${code}`})\n`,
          }),
        );
      });
    });
  }

  async close(): Promise<void> {
    for (const child of this.running) killGroup(child);
    this.running.clear();
  }
}
