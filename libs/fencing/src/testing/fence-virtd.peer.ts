import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages, freePort, isPortOpen } from '@haaas/devstack';
import { privateDir, spawnDetached, startWatchdog, stopGroup, stopPeer, waitFor } from './peer-process.util';

export const FENCE_VIRTD_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'fence-virtd': ['fence_virtd'],
  'fence-virt': ['fence_virt'],
};

// Debian installs fence_virtd's listener and backend plugins here.
const MODULE_PATHS = ['/usr/lib/x86_64-linux-gnu/fence-virt', '/usr/lib/aarch64-linux-gnu/fence-virt', '/usr/lib64/fence-virt', '/usr/lib/fence-virt'];

/** fence_virtd with its TCP listener on 127.0.0.1 and the libvirt backend to one libvirt URI. */
export interface FenceVirtd {
  readonly port: number;
  /** The shared key (0600 in a private dir): fence_virt's credential. */
  readonly keyFile: string;
  /** Options for fence_virt against this daemon (add `plug`). */
  fenceOptions(): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts `fence_virtd -F -f CONF`: the config format is fence_virt.conf(5) (listeners.tcp with
 * key_file/address/port/family, backends.libvirt with uri).
 */
export async function startFenceVirtd(o: { uri: string }): Promise<FenceVirtd> {
  await ensureDebianPackages(Object.keys(FENCE_VIRTD_PACKAGES), { binaries: FENCE_VIRTD_PACKAGES });
  const modulePath = MODULE_PATHS.find((p) => existsSync(join(p, 'tcp.so')));
  if (!modulePath) throw new Error(`fence_virtd's plugins (tcp.so, virt.so) not found in ${MODULE_PATHS.join(', ')}`);
  if (/["\n\\]/.test(o.uri)) throw new Error('fence_virtd peer: the libvirt URI cannot be quoted in fence_virt.conf');
  const dir = privateDir('fence-virtd');
  const watchdog = startWatchdog(dir);
  const keyFile = join(dir, 'fence_virt.key');
  writeFileSync(keyFile, randomBytes(512), { mode: 0o600 });
  try {
    let lastError: unknown;
    for (let tries = 0; tries < 3; tries++) {
      const port = await freePort();
      const conf = join(dir, 'fence_virt.conf');
      writeFileSync(
        conf,
        `fence_virtd {
  listener = "tcp";
  backend = "libvirt";
  module_path = "${modulePath}";
}
listeners {
  tcp {
    key_file = "${keyFile}";
    address = "127.0.0.1";
    family = "ipv4";
    port = "${port}";
  }
}
backends {
  libvirt {
    uri = "${o.uri}";
  }
}
`,
        { mode: 0o600 },
      );
      const logFile = join(dir, 'fence_virtd.log');
      // -F: stay in the foreground (our process group), -d 1: log requests
      const pid = spawnDetached('fence_virtd', ['-F', '-d', '1', '-f', conf], { cwd: dir, logFile });
      writeFileSync(join(dir, 'fence_virtd.pid'), `${pid}\n`);
      try {
        await waitFor(`fence_virtd on 127.0.0.1:${port}`, () => isPortOpen(port, 200), { pid, timeoutMs: 10_000, logFile });
      } catch (error) {
        lastError = error;
        await stopGroup(pid, 200);
        continue;
      }
      let stopping: Promise<void> | undefined;
      return {
        port,
        keyFile,
        fenceOptions: () => ({ ipaddr: '127.0.0.1', ipport: String(port), key_file: keyFile }),
        stop: () => (stopping ??= stopPeer(dir, watchdog, 1000)),
      };
    }
    throw lastError;
  } catch (error) {
    await stopPeer(dir, watchdog, 200);
    throw error;
  }
}
