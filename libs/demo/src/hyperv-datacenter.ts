import { randomBytes, randomUUID } from 'node:crypto';
import { HypervHostSimulator, type SimulatedVm, startWinRmTestServer, type WinRmTestServer } from '@haaas/adapter-hyperv/testing';
import { type IpmiBmc, startIpmiBmc } from '@haaas/fencing/testing';
import { type GraphQLCaller } from './graphql.client';
import { configureManagedCluster, type LabService, type ManagedClusterOptions, type ManagedDatacenter } from './managed-cluster';

/**
 * A Hyper-V "datacenter" for the Hyper-V failover e2e, on the project's WS-Management test hosts:
 * per host, the WinRM test server (NTLM, sealed messages) in front of a simulated Hyper-V host that
 * runs the adapter's PowerShell scripts, and an IPMI BMC (ipmi_sim). The VMs' configurations sit on
 * a CSV every host sees (each simulator can Import-VM -Register them). **No real Hyper-V or Windows
 * is involved**: the simulator's answers are written from the cmdlet documentation
 * (docs/adapters/hyperv.md). Liveness from the WinRM liveness watch (MANAGER), or that and a node agent per host (BOTH; the agent runs on Linux here).
 */
export interface HypervLabHost {
  readonly name: string;
  readonly computerName: string;
  readonly sim: HypervHostSimulator;
  readonly winrm: WinRmTestServer;
  readonly bmc: IpmiBmc;
}

export interface HypervLab {
  readonly hosts: readonly HypervLabHost[];
  readonly services: readonly LabService[];
  readonly username: string;
  readonly password: string;
  /** What a host crash does: its WinRM listener goes (connections refused), its VMs with it. */
  crashHost(name: string): Promise<void>;
  /** Every registration of `vm` on the hosts that still answer, with its state, as the hosts say. */
  whereIs(vm: string): { host: string; state: string }[];
  stop(): Promise<void>;
}

/** The services of the Hyper-V lab (home is a host index). */
export const HYPERV_SERVICES: readonly LabService[] = [
  { name: 'sql', priority: 1000, home: 0 },
  { name: 'iis', priority: 700, home: 1 },
  { name: 'exchange', priority: 400, home: 1 },
  { name: 'files', priority: 100, home: 2 },
];

export async function startHypervLab(o: { readonly hosts?: number; readonly services?: readonly LabService[] } = {}): Promise<HypervLab> {
  const count = o.hosts ?? 3;
  const services = o.services ?? HYPERV_SERVICES;
  const username = 'haaas';
  const password = `Hv-${randomBytes(9).toString('base64url')}`;
  // the shared storage: each VM's configuration on the CSV, known to every host
  const csv = services.map((s) => ({ name: `${s.name}-vm`, id: randomUUID(), configurationLocation: `C:\\ClusterStorage\\Volume1\\${s.name}-vm`, home: s.home % count }));
  const hosts: HypervLabHost[] = [];
  const crashed = new Set<string>();
  const stop = async (): Promise<void> => {
    await Promise.all(hosts.map((h) => Promise.all([h.bmc.stop(), crashed.has(h.name) ? undefined : h.winrm.close().catch(() => undefined)])));
  };
  try {
    for (let i = 0; i < count; i++) {
      const computerName = `HV-${i + 1}`;
      const vms: Omit<SimulatedVm, 'computerName' | 'configurationLocation'>[] = csv.filter((v) => v.home === i).map((v) => ({ name: v.name, id: v.id, state: 'Off' }));
      const sim = new HypervHostSimulator({ computerName, vms, sharedStorage: csv.map(({ name, id, configurationLocation }) => ({ name, id, configurationLocation })), clixmlNoise: false });
      const [winrm, bmc] = await Promise.all([startWinRmTestServer({ username, password, computerName, run: (c) => sim.handler(c) }), startIpmiBmc({ name: `hv${i + 1}` })]);
      hosts.push({ name: `hv-${i + 1}.lab.example`, computerName, sim, winrm, bmc });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const find = (name: string): HypervLabHost => {
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name} in the lab`);
    return h;
  };
  return {
    hosts,
    services,
    username,
    password,
    crashHost: async (name) => {
      const h = find(name);
      crashed.add(h.name);
      h.sim.powerState = 'off';
      await h.winrm.close();
    },
    whereIs: (vm) =>
      hosts
        .filter((h) => !crashed.has(h.name))
        .flatMap((h) => [...h.sim.vms.values()].filter((v) => v.name === vm).map((v) => ({ host: h.name, state: v.state }))),
    stop,
  };
}

/** Configures the tenant's HYPERV cluster on the lab through the public API (MANAGER heartbeats, or BOTH with node agents), starts HA and the services. */
export function configureHypervCluster(
  api: GraphQLCaller,
  lab: HypervLab,
  o: Pick<ManagedClusterOptions, 'deadtimeSeconds' | 'heartbeatSource' | 'agents' | 'log'> = {},
): Promise<ManagedDatacenter> {
  const both = o.heartbeatSource === 'BOTH';
  return configureManagedCluster(api, {
    hypervisor: 'HYPERV',
    name: both ? 'hyperv-agents-dc' : 'hyperv-dc',
    description: `Hyper-V on the WS-Management test hosts (simulated, no real Hyper-V): liveness from WinRM${both ? ' and a node agent per host (on Linux here)' : ', no node agents'}`,
    hosts: lab.hosts.map((h) => ({ name: h.name, bmc: h.bmc, endpoint: { uri: h.winrm.url, username: `LAB\\${lab.username}`, password: lab.password } })),
    services: lab.services,
    deadtimeSeconds: o.deadtimeSeconds,
    heartbeatSource: o.heartbeatSource,
    agents: o.agents,
    log: o.log,
  });
}
