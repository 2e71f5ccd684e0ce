import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { AdapterError } from '@haaas/hypervisor';

/** What one virsh command produced. `ok` is virsh's verdict (exit code 0, or no `error:` line in a session). */
export interface VirshResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

export interface VirshRunOptions {
  /** The deadline: on abort the command's virsh is killed and the call fails with TIMEOUT. */
  readonly signal: AbortSignal;
  /** For error messages (`startVm`). */
  readonly operation: string;
}

/** How commands reach virsh: one process per command, or one interactive virsh per host. */
export interface VirshTransport {
  readonly kind: 'process' | 'session';
  run(args: readonly string[], options: VirshRunOptions): Promise<VirshResult>;
  /** Kills what is running; later calls start afresh. */
  close(): Promise<void>;
}

/** The environment every virsh of one host runs with. */
export interface VirshEnvironment {
  readonly virsh: string;
  readonly uri: string;
  readonly env: NodeJS.ProcessEnv;
  /** `setpriv`, to have the kernel kill virsh if this Node process dies (PR_SET_PDEATHSIG); undefined where it is missing. */
  readonly setpriv: string | undefined;
}

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function findExecutable(name: string): string | undefined {
  for (const dir of [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...SYSTEM_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Spawns virsh (argv array, never a shell) in its own process group, so that a deadline kills it
 * together with what it started (ssh for qemu+ssh). Through `setpriv --pdeathsig KILL` where
 * available: a virsh must not outlive the control plane that started it.
 */
export function spawnVirsh(e: VirshEnvironment, args: readonly string[], stdin: 'pipe' | 'ignore'): ChildProcess {
  const argv = ['-q', '-c', e.uri, ...args];
  const [cmd, cmdArgs] = e.setpriv ? [e.setpriv, ['--pdeathsig', 'KILL', '--', e.virsh, ...argv]] : [e.virsh, argv];
  return spawn(cmd, cmdArgs, { env: e.env, stdio: [stdin, 'pipe', 'pipe'], detached: true, windowsHide: true });
}

/** SIGKILL to the process group of a child spawned by spawnVirsh (it leads its group). */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function timeoutError(operation: string, what: string, signal: AbortSignal): AdapterError {
  return new AdapterError('TIMEOUT', `${operation}: deadline passed ${what}`, operation, { cause: signal.reason });
}

/** virsh cannot be started at all: the client package is missing. */
export function spawnError(operation: string, error: Error): AdapterError {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
  return new AdapterError(
    'FAILED',
    missing ? `${operation}: virsh not found: install the Debian package libvirt-clients` : `${operation}: cannot run virsh: ${error.message}`,
    operation,
    { cause: error },
  );
}
