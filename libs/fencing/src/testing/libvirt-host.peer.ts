import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackages, isAlive, readPidFile } from '@haaas/devstack';
import { privateDir, startWatchdog, stopPeer, waitFor } from './peer-process.util';

const run = promisify(execFile);

export const LIBVIRT_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'libvirt-daemon': ['libvirtd'],
  'libvirt-clients': ['virsh'],
};

const HOST_SCRIPT = join(__dirname, 'libvirt-host.sh');

/**
 * A simulated KVM host for fencing tests: libvirtd with libvirt's test driver (no qemu), one daemon
 * per host in a private dir, starting with one running domain named `test`. Deliberately minimal:
 * the KVM adapter has its own, richer starter; this one only needs to die and come back with the
 * power (libvirt-host.sh, also run by a BMC's power hook).
 */
export interface LibvirtHost {
  readonly name: string;
  readonly dir: string;
  /** `test+unix:///default?socket=DIR/run/libvirt-sock` */
  readonly uri: string;
  /** Path of the control script and the dir, for a BMC power hook: `sh SCRIPT on|off|cycle DIR`. */
  readonly script: string;
  /** libvirtd's process is running (the "host" has power). */
  isRunning(): boolean;
  /** libvirtd answers. */
  isUp(): Promise<boolean>;
  waitUntilUp(timeoutMs?: number): Promise<void>;
  /** Powers the host on (starts libvirtd: a fresh test driver, `test` running again). */
  start(): Promise<void>;
  /** A crash: SIGKILL libvirtd and the holder. */
  crash(): Promise<void>;
  /** `virsh -c URI ...args`; rejects with virsh's stderr. */
  virsh(...args: string[]): Promise<string>;
  /** `virsh domstate`: `running`, `shut off`, ... */
  domstate(domain: string): Promise<string>;
  stop(): Promise<void>;
}

/** Whether the holder (`virsh event --loop`) has a connected unix socket, i.e. is libvirtd's client. */
function holderConnected(dir: string): boolean {
  const pid = readPidFile(join(dir, 'holder.pid'));
  if (pid === undefined) return false;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('event')) return false;
    const inodes = readdirSync(`/proc/${pid}/fd`)
      .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`))?.[1])
      .filter((i): i is string => i !== undefined);
    // /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path; St 03 = connected
    const connected = new Set(
      readFileSync('/proc/net/unix', 'utf8')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[5] === '03')
        .map((f) => f[6]),
    );
    return inodes.some((i) => connected.has(i));
  } catch {
    return false;
  }
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

export async function startLibvirtHost(options: { name?: string; start?: boolean } = {}): Promise<LibvirtHost> {
  await ensureDebianPackages(Object.keys(LIBVIRT_PACKAGES), { binaries: LIBVIRT_PACKAGES });
  const name = options.name ?? 'host';
  const dir = privateDir(`kvm-${name}`);
  // libvirtd runs as nobody (see libvirt-host.sh): the dir is private to nobody (and root)
  if (process.getuid?.() === 0) chownSync(dir, 65534, 65534);
  const watchdog = startWatchdog(dir);
  const script = join(dir, 'libvirt-host.sh');
  copyFileSync(HOST_SCRIPT, script);
  chmodSync(script, 0o755);
  const uri = `test+unix:///default?socket=${join(dir, 'run', 'libvirt-sock')}`;
  const virsh = async (...args: string[]): Promise<string> => {
    try {
      return (await run('virsh', ['-q', '-c', uri, ...args], { timeout: 10_000 })).stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new Error(stderr || (error as Error).message);
    }
  };
  const isUp = async (): Promise<boolean> => virsh('uri').then(
    () => true,
    () => false,
  );
  // Up = answering, and the holder connected: before that, the state a test defines would be
  // dropped as soon as the test's own virsh disconnects.
  const waitUntilUp = (timeoutMs = 15_000): Promise<void> =>
    waitFor(`libvirtd of ${name}`, async () => (await isUp()) && holderConnected(dir), { timeoutMs, logFile: join(dir, 'libvirtd.out') });
  const control = async (cmd: 'up' | 'down'): Promise<void> => void (await run('/bin/sh', [script, cmd, dir], { timeout: 10_000 }));

  let stopping: Promise<void> | undefined;
  const host: LibvirtHost = {
    name,
    dir,
    uri,
    script,
    isRunning: () => {
      const pid = readPidFile(join(dir, 'libvirtd.pid'));
      return pid !== undefined && isAlive(pid);
    },
    isUp,
    waitUntilUp,
    start: async () => {
      await control('up');
      await waitUntilUp();
    },
    crash: () => control('down'),
    virsh,
    domstate: async (domain) => (await virsh('domstate', domain)).trim(),
    stop: () =>
      (stopping ??= (async () => {
        if (existsSync(dir)) await control('down').catch(() => undefined);
        await stopPeer(dir, watchdog, 500);
      })()),
  };
  try {
    if (options.start ?? true) await host.start();
    return host;
  } catch (error) {
    await host.stop();
    throw error;
  }
}
