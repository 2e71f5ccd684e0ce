import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages } from '@haaas/devstack';
import { freeUdpPort, isUdpBound, privateDir, spawnDetached, startWatchdog, stopGroup, stopPeer, waitFor } from './peer-process.util';

export const BRIDGE_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'python3-pyghmi': [],
  'python3-libvirt': [],
  ipmitool: ['ipmitool'],
  'fence-agents': ['fence_ipmilan'],
};

/** Debian's interpreter: pyghmi and libvirt are Debian packages, not in a pyenv python first in PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** An IPMI BMC (pyghmi's virshbmc) whose chassis is one libvirt domain. */
export interface IpmiLibvirtBridge {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly domain: string;
  /** Options for fence_ipmilan against this BMC. */
  fenceOptions(): Record<string, string>;
  stop(): Promise<void>;
}

export async function startIpmiLibvirtBridge(o: { uri: string; domain: string; user?: string; password?: string }): Promise<IpmiLibvirtBridge> {
  // An empty binary list makes devstack ask dpkg, which is what a Python module needs.
  await ensureDebianPackages(Object.keys(BRIDGE_PACKAGES), { binaries: Object.fromEntries(Object.entries(BRIDGE_PACKAGES).filter(([, b]) => b.length > 0)) });
  const user = o.user ?? 'admin';
  const password = o.password ?? 'bridge-secret';
  const dir = privateDir('ipmi-bridge');
  const watchdog = startWatchdog(dir);
  try {
    const script = join(dir, 'ipmi-to-libvirt.py');
    copyFileSync(join(__dirname, 'ipmi-to-libvirt.py'), script);
    let lastError: unknown;
    for (let tries = 0; tries < 3; tries++) {
      const port = await freeUdpPort();
      const logFile = join(dir, 'bridge.log');
      const pid = spawnDetached(DEBIAN_PYTHON, [script, o.uri, o.domain, String(port)], {
        cwd: dir,
        logFile,
        env: { PATH: '/usr/bin:/bin', BMC_USER: user, BMC_PASSWORD: password },
      });
      writeFileSync(join(dir, 'bridge.pid'), `${pid}\n`);
      try {
        await waitFor(`pyghmi BMC on 127.0.0.1:${port}`, () => isUdpBound(port), { pid, timeoutMs: 15_000, logFile });
      } catch (error) {
        lastError = error;
        await stopGroup(pid, 200);
        continue;
      }
      let stopping: Promise<void> | undefined;
      return {
        port,
        user,
        password,
        domain: o.domain,
        fenceOptions: () => ({ ip: '127.0.0.1', ipport: String(port), username: user, password, lanplus: '1', cipher: '3' }),
        stop: () => (stopping ??= stopPeer(dir, watchdog, 1000)),
      };
    }
    throw lastError;
  } catch (error) {
    await stopPeer(dir, watchdog, 200);
    throw error;
  }
}
