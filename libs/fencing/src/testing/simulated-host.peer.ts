import { type IpmiBmc, startIpmiBmc } from './ipmi-bmc.peer';
import { type LibvirtHost, startLibvirtHost } from './libvirt-host.peer';

/**
 * A simulated physical host = (libvirtd, BMC): the BMC's chassis power is the libvirtd's life.
 * Power off through IPMI kills libvirtd (SIGKILL, like pulling the plug), power on starts it again
 * with a fresh test driver, a hard reset does both. So fencing, a crash and the recovery of a host
 * are real operations seen through both fence_ipmilan and libvirt.
 */
export interface SimulatedHost {
  readonly name: string;
  readonly host: LibvirtHost;
  readonly bmc: IpmiBmc;
  stop(): Promise<void>;
}

export async function startSimulatedHost(options: { name?: string; user?: string; password?: string } = {}): Promise<SimulatedHost> {
  const name = options.name ?? 'host';
  const host = await startLibvirtHost({ name });
  try {
    const hook = [
      '#!/bin/sh',
      '# chassis power -> this host\'s libvirtd',
      'case $1 in on) a=up ;; off) a=down ;; cycle) a=cycle ;; *) exit 2 ;; esac',
      `exec /bin/sh '${host.script}' "$a" '${host.dir}'`,
      '',
    ].join('\n');
    const bmc = await startIpmiBmc({ name: `${name}-bmc`, user: options.user, password: options.password, power: 'on', powerHook: hook });
    let stopping: Promise<void> | undefined;
    return {
      name,
      host,
      bmc,
      stop: () => (stopping ??= Promise.all([bmc.stop(), host.stop()]).then(() => undefined)),
    };
  } catch (error) {
    await host.stop();
    throw error;
  }
}
