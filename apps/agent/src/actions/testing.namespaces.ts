import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/**
 * A process that only holds new namespaces open (`unshare -n` / `-m`), so tests can run the
 * agent's actions in them (`/proc/<pid>/ns/net`) without touching the host's network or mounts.
 * Needs root (as the adapter tests do).
 */
export class NamespaceHolder {
  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
  ) {}

  static async start(kinds: readonly ('net' | 'mnt')[]): Promise<NamespaceHolder> {
    if (process.getuid?.() !== 0) throw new Error('these tests create network and mount namespaces with unshare: run them as root');
    const flags = kinds.map((k) => (k === 'net' ? '--net' : '--mount'));
    const child = spawn('unshare', [...flags, ...(kinds.includes('mnt') ? ['--propagation', 'private'] : []), 'sleep', '3600'], { stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) throw new Error('unshare did not start');
    const holder = new NamespaceHolder(child, pid);
    // unshare execs sleep once the namespaces exist: wait until the pid's namespace differs from ours
    const until = Date.now() + 5000;
    for (;;) {
      const ready = kinds.every((k) => {
        try {
          return readlinkSync(`/proc/${pid}/ns/${k}`) !== readlinkSync(`/proc/self/ns/${k}`);
        } catch {
          return false;
        }
      });
      if (ready) break;
      if (Date.now() > until) {
        holder.stop();
        throw new Error(`unshare ${flags.join(' ')} did not create its namespaces`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (kinds.includes('net')) holder.run(['ip', 'link', 'set', 'lo', 'up']);
    return holder;
  }

  path(kind: 'net' | 'mnt'): string {
    return `/proc/${this.pid}/ns/${kind}`;
  }

  /** Runs a command inside the namespaces; returns its stdout, throws on a non-zero exit. */
  run(argv: readonly string[]): string {
    const r = spawnSync('nsenter', [`--target=${this.pid}`, '--net', '--mount', '--', ...argv], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} in the namespace: ${r.stderr}`);
    return r.stdout;
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
