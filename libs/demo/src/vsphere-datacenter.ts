import { startVcsim, type VcsimPeer } from '@haaas/adapter-vsphere/testing';
import { type IpmiBmc, startIpmiBmc } from '@haaas/fencing/testing';
import { type GraphQLCaller } from './graphql.client';
import { configureManagedCluster, type LabService, type ManagedDatacenter, type ManagedService } from './managed-cluster';

/** One ESXi host of the lab: its name in vCenter, its BMC, and (with `hostEndpoints`) its own `/sdk`. */
export interface VsphereLabHost {
  readonly name: string;
  readonly bmc: IpmiBmc;
  /** The host's own endpoint (a vcsim -esx), independent of vCenter: the node's check address. */
  readonly esx: VcsimPeer | null;
}

/**
 * A vSphere datacenter on vcsim for the demo (`HAAAS_DEMO=vsphere`) and the vSphere failover e2e:
 * one vCenter, three ESXi hosts with real host names in one cluster, an IPMI BMC (ipmi_sim) per
 * host as its fencing device, optionally each host's own `/sdk` (a standalone vcsim -esx each: the
 * second channel that does not go through vCenter), and one VM per service on the datastore all
 * hosts mount. No node agent anywhere: liveness comes from vCenter (heartbeat source MANAGER).
 * vcsim's vCenter does not know its hosts' own simulators: the lab ties them together where a
 * failure needs both (`crashHost`).
 */
export interface VsphereLab {
  readonly vcenter: VcsimPeer;
  readonly hosts: readonly VsphereLabHost[];
  /** VM name → the host it was created on. */
  readonly vms: ReadonlyMap<string, string>;
  /** The env a worker and the API need to trust vcsim and read it often enough (vcsim pushes no host change). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * What a host crash does: its own `/sdk` stops answering (its simulator is killed) and vCenter loses
   * it (DisconnectHost_Task: vcsim has no "not responding"). Its BMC still answers, as a BMC does.
   */
  crashHost(name: string): Promise<void>;
  /** vCenter loses the host but the host lives (a management-network cut between the two). */
  cutFromVcenter(name: string): Promise<void>;
  /** vCenter reconnects the host. */
  reconnect(name: string): Promise<void>;
  stop(): Promise<void>;
}

export type VsphereDemoService = ManagedService;
export type VsphereDatacenter = ManagedDatacenter;

/** The services: priorities from critical to best-effort, spread over the hosts (home is a host index). */
export const VSPHERE_SERVICES: readonly LabService[] = [
  { name: 'erp-db', priority: 1000, home: 0 },
  { name: 'erp-app', priority: 800, home: 1 },
  { name: 'mail', priority: 500, home: 1 },
  { name: 'wiki', priority: 300, home: 2 },
  { name: 'reports', priority: 100, home: 1 },
];

export interface VsphereLabOptions {
  readonly hosts?: number;
  /** Extra VMs per host beyond the services' (the benchmark's load). */
  readonly services?: readonly LabService[];
  /** Start each host's own `/sdk` (a vcsim -esx per host) as its check address (default false). */
  readonly hostEndpoints?: boolean;
  readonly log?: (line: string) => void;
}

/** Starts vcsim with the cluster's hosts, their BMCs and the services' VMs (powered off on their home hosts). */
export async function startVsphereLab(o: VsphereLabOptions = {}): Promise<VsphereLab> {
  const log = o.log ?? (() => undefined);
  const count = o.hosts ?? 3;
  const vcenter = await startVcsim({ hosts: 1, vms: 0, trustedTls: true, log });
  const hosts: VsphereLabHost[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(hosts.map(async (h) => Promise.all([h.bmc.stop(), h.esx?.stop()])));
    await vcenter.stop();
  };
  const find = (name: string): VsphereLabHost => {
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name} in the lab (${hosts.map((x) => x.name).join(', ')})`);
    return h;
  };
  try {
    for (let i = 0; i < count; i++) {
      const name = `esx-${i + 1}.lab.example`;
      await vcenter.admin.addHost(name, vcenter.hosts[0] as string);
      const [bmc, esx] = await Promise.all([startIpmiBmc({ name: `esx${i + 1}` }), o.hostEndpoints ? startVcsim({ esx: true, vms: 0, log }) : Promise.resolve(null)]);
      hosts.push({ name, bmc, esx });
    }
    const vms = new Map<string, string>();
    for (const s of o.services ?? VSPHERE_SERVICES) {
      const home = hosts[s.home % hosts.length]?.name as string;
      await vcenter.admin.createVm(`${s.name}-vm`, home);
      vms.set(`${s.name}-vm`, home);
    }
    log(`vcsim vCenter ${vcenter.url}: ${hosts.map((h) => h.name).join(', ')} (an ipmi_sim BMC each), ${vms.size} VMs on LocalDS_0`);
    // resync every second: vcsim never pushes a HostSystem change through WaitForUpdatesEx
    const env = { HAAAS_VSPHERE_CA_FILE: vcenter.caFile as string, HAAAS_VSPHERE_RESYNC_SECONDS: '1' };
    return {
      vcenter,
      hosts,
      vms,
      env,
      crashHost: async (name) => {
        const h = find(name);
        await h.esx?.stop();
        await vcenter.admin.disconnectHost(h.name);
      },
      cutFromVcenter: (name) => vcenter.admin.disconnectHost(find(name).name),
      reconnect: (name) => vcenter.admin.reconnectHost(find(name).name),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Configures the tenant's VSPHERE cluster on the lab through the public API (MANAGER heartbeats), starts HA and the services. */
export function configureVsphereCluster(
  api: GraphQLCaller,
  lab: VsphereLab,
  o: { readonly name?: string; readonly deadtimeSeconds?: number; readonly services?: readonly LabService[]; readonly log?: (line: string) => void } = {},
): Promise<VsphereDatacenter> {
  const vc = lab.vcenter;
  return configureManagedCluster(api, {
    hypervisor: 'VSPHERE',
    name: o.name ?? 'vsphere-dc',
    description: 'vSphere datacenter on vcsim: liveness from vCenter, no node agents',
    // the same vCenter for every node (one watch serves them all); the host's own /sdk, when the lab has it, as the second channel
    hosts: lab.hosts.map((h) => ({ name: h.name, bmc: h.bmc, endpoint: { uri: vc.url, username: vc.username, password: vc.password }, checkAddress: h.esx?.url ?? null })),
    services: o.services ?? VSPHERE_SERVICES,
    deadtimeSeconds: o.deadtimeSeconds,
    log: o.log,
  });
}
