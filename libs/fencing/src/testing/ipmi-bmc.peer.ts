import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages, readPidFile } from '@haaas/devstack';
import { freeUdpPort, isUdpBound, privateDir, spawnDetached, startWatchdog, stopGroup, stopPeer, waitFor } from './peer-process.util';

export const IPMI_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  openipmi: ['ipmi_sim'],
  ipmitool: ['ipmitool'],
  'fence-agents': ['fence_ipmilan'],
};

export interface IpmiBmcOptions {
  readonly name?: string;
  readonly user?: string;
  readonly password?: string;
  /** Chassis power at start; default on. */
  readonly power?: 'on' | 'off';
  /**
   * A shell script run with `on`, `off` or `cycle` after each power change (what the chassis
   * powers: see simulated-host.peer.ts). Its text is written to the BMC's private dir.
   */
  readonly powerHook?: string;
}

/** A simulated BMC: OpenIPMI's ipmi_sim speaking real IPMI 1.5/2.0 (RMCP+) on UDP 127.0.0.1:port. */
export interface IpmiBmc {
  readonly name: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  /** The chassis power state ipmi_sim keeps (from its chassis_control program). */
  power(): 'on' | 'off';
  /** Options for fence_ipmilan against this BMC (cipher 3: ipmi_sim cannot list cipher suites). */
  fenceOptions(): Record<string, string>;
  /** The chassis_control calls so far (`set power 0`, `get power`). */
  chassisLog(): string[];
  /** Stops ipmi_sim and whatever its power hook started; removes the dir. Idempotent. */
  stop(): Promise<void>;
}

const CHASSIS_SCRIPT = join(__dirname, 'ipmi-chassis.sh');

/** Starts ipmi_sim on a free UDP port in a private temp dir (lan.conf with the password is 0600). */
export async function startIpmiBmc(options: IpmiBmcOptions = {}): Promise<IpmiBmc> {
  await ensureDebianPackages(Object.keys(IPMI_PACKAGES), { binaries: IPMI_PACKAGES });
  const name = options.name ?? 'bmc';
  const user = options.user ?? 'admin';
  const password = options.password ?? 'bmc-secret';
  if (!/^[A-Za-z0-9_.-]{1,16}$/.test(user) || !/^[A-Za-z0-9_.@%+-]{1,20}$/.test(password) || !/^[A-Za-z0-9_-]+$/.test(name)) {
    // lan.conf has no quoting rules for these, and IPMI 2.0 caps passwords at 20 bytes
    throw new Error('ipmi_sim peer: name, user (16) and password (20) must be plain ASCII words');
  }
  const dir = privateDir(`bmc-${name}`);
  const watchdog = startWatchdog(dir);
  try {
    // Copied so that ipmi_sim runs it with /bin/sh whatever the checkout's file modes.
    copyFileSync(CHASSIS_SCRIPT, join(dir, 'ipmi-chassis.sh'));
    writeFileSync(join(dir, 'power'), options.power === 'off' ? '0\n' : '1\n');
    if (options.powerHook) writeFileSync(join(dir, 'power-hook'), options.powerHook, { mode: 0o700 });
    writeFileSync(join(dir, 'bmc.emu'), 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nsel_enable 0x20 1000 0x0a\nmc_enable 0x20\n');

    let lastError: unknown;
    for (let tries = 0; tries < 3; tries++) {
      // A free UDP port can be taken before ipmi_sim binds it: then try another.
      const port = await freeUdpPort();
      writeFileSync(join(dir, 'lan.conf'), lanConf(name, port, user, password, dir), { mode: 0o600 });
      const logFile = join(dir, 'sim.log');
      const pid = spawnDetached('ipmi_sim', ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'bmc.emu'), '-s', join(dir, 'state'), '-n'], { cwd: dir, logFile });
      writeFileSync(join(dir, 'ipmi_sim.pid'), `${pid}\n`);
      try {
        await waitFor(`ipmi_sim on 127.0.0.1:${port}`, () => isUdpBound(port), { pid, timeoutMs: 10_000, logFile });
      } catch (error) {
        lastError = error;
        await stopGroup(pid, 200);
        continue;
      }
      return bmc({ name, port, user, password, dir, watchdog });
    }
    throw lastError;
  } catch (error) {
    await stopPeer(dir, watchdog, 200);
    throw error;
  }
}

function lanConf(name: string, port: number, user: string, password: string, dir: string): string {
  return `name "${name}"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "/bin/sh ${join(dir, 'ipmi-chassis.sh')} ${dir} 0x20"
  user 2 true "${user}" "${password}" admin 10 none md2 md5 straight
`;
}

function bmc(o: { name: string; port: number; user: string; password: string; dir: string; watchdog: number }): IpmiBmc {
  let stopping: Promise<void> | undefined;
  return {
    name: o.name,
    host: '127.0.0.1',
    port: o.port,
    user: o.user,
    password: o.password,
    dir: o.dir,
    power: () => (readFileSync(join(o.dir, 'power'), 'utf8').trim() === '0' ? 'off' : 'on'),
    fenceOptions: () => ({ ip: '127.0.0.1', ipport: String(o.port), username: o.user, password: o.password, lanplus: '1', cipher: '3' }),
    chassisLog: () => {
      const file = join(o.dir, 'chassis.log');
      return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.replace(/^\S+ /, '')) : [];
    },
    stop: () =>
      (stopping ??= (async () => {
        const sim = readPidFile(join(o.dir, 'ipmi_sim.pid'));
        if (sim !== undefined) await stopGroup(sim);
        await stopPeer(o.dir, o.watchdog);
      })()),
  };
}
