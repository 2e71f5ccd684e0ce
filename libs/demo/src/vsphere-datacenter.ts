import { startVcsim, type VcsimPeer } from '@haaas/adapter-vsphere/testing';
import { type IpmiBmc, startIpmiBmc } from '@haaas/fencing/testing';
import { waitForOperation } from './demo-datacenter';
import { GraphQLCaller } from './graphql.client';

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

export interface VsphereDemoService {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly vm: string;
  readonly homeHost: string;
}

export interface VsphereDatacenter {
  readonly clusterId: string;
  readonly nodes: ReadonlyMap<string, string>;
  readonly services: readonly VsphereDemoService[];
}

/** The services: priorities from critical to best-effort, spread over the hosts (home is a host index). */
export const VSPHERE_SERVICES: readonly { name: string; priority: number; home: number }[] = [
  { name: 'erp-db', priority: 1000, home: 0 },
  { name: 'erp-app', priority: 800, home: 1 },
  { name: 'mail', priority: 500, home: 1 },
  { name: 'wiki', priority: 300, home: 2 },
  { name: 'reports', priority: 100, home: 1 },
];

export interface VsphereLabOptions {
  readonly hosts?: number;
  /** Extra VMs per host beyond the services' (the benchmark's load). */
  readonly services?: readonly { name: string; priority: number; home: number }[];
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

/** Configures the tenant's VSPHERE cluster on the lab through the public API, starts HA and the services. */
export async function configureVsphereCluster(
  api: GraphQLCaller,
  lab: VsphereLab,
  o: { readonly name?: string; readonly deadtimeSeconds?: number; readonly services?: readonly { name: string; priority: number; home: number }[]; readonly log?: (line: string) => void } = {},
): Promise<VsphereDatacenter> {
  const log = o.log ?? (() => undefined);
  const name = o.name ?? 'vsphere-dc';
  const existing = await api.call<{ clusters: { nodes: { id: string; name: string }[] } }>(`query($n: String!) { clusters(filter: { nameContains: $n }) { nodes { id name } } }`, { n: name });
  for (const c of existing.clusters.nodes.filter((c) => c.name === name)) await api.call(`mutation($id: ID!) { destroyCluster(id: $id, force: true) { id } }`, { id: c.id });
  const { createCluster } = await api.call<{ createCluster: { id: string } }>(`mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`, {
    i: {
      name,
      hypervisor: 'VSPHERE',
      heartbeatSource: 'MANAGER',
      description: 'vSphere datacenter on vcsim: liveness from vCenter, no node agents',
      policy: { heartbeatIntervalSeconds: 1, deadtimeSeconds: o.deadtimeSeconds ?? 4, fencingRequired: true, minHealthyNodes: 2 },
    },
  });
  const clusterId = createCluster.id;
  const nodes = new Map<string, string>();
  const vc = lab.vcenter;
  for (const h of lab.hosts) {
    const { joinNode } = await api.call<{ joinNode: { id: string } }>(`mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
      i: {
        clusterId,
        hostname: h.name,
        kind: 'PHYSICAL',
        endpoint: { uri: vc.url, username: vc.username, password: vc.password },
        capacity: { cpus: 32, memoryMb: 262144 },
        // the host's own /sdk: the second channel that does not go through vCenter
        ...(h.esx ? { checkAddress: h.esx.url } : {}),
      },
    });
    nodes.set(h.name, joinNode.id);
    const device = await api.call<{ addFencingDevice: { id: string } }>(`mutation($i: AddFencingDeviceInput!) { addFencingDevice(input: $i) { id } }`, {
      i: {
        clusterId,
        name: `${h.name.split('.')[0]}-bmc`,
        agent: 'fence_ipmilan',
        options: Object.entries(h.bmc.fenceOptions())
          .filter(([k]) => k !== 'password')
          .map(([key, value]) => ({ key, value })),
        secretOptions: [{ key: 'password', value: h.bmc.password }],
      },
    });
    await api.call(`mutation($i: AssociateFencingDeviceInput!) { associateFencingDevice(input: $i) { id } }`, { i: { deviceId: device.addFencingDevice.id, nodeId: joinNode.id, level: 1 } });
  }
  // one ordered failover domain per home host: prefer home, then the next hosts in turn
  const hostNames = lab.hosts.map((h) => h.name);
  const domains: string[] = [];
  for (let i = 0; i < hostNames.length; i++) {
    const members = hostNames.map((_, k) => ({ nodeId: nodes.get(hostNames[(i + k) % hostNames.length] as string), priority: k + 1 }));
    const d = await api.call<{ createFailoverDomain: { id: string } }>(`mutation($i: CreateFailoverDomainInput!) { createFailoverDomain(input: $i) { id } }`, {
      i: { clusterId, name: `prefer-${hostNames[i]?.split('.')[0]}`, ordered: true, restricted: true, members },
    });
    domains.push(d.createFailoverDomain.id);
  }
  const services: VsphereDemoService[] = [];
  for (const s of o.services ?? VSPHERE_SERVICES) {
    const vm = `${s.name}-vm`;
    const r = await api.call<{ createResource: { id: string } }>(`mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }`, { i: { clusterId, name: vm, type: 'VM', vm: { hypervisorRef: vm } } });
    const svc = await api.call<{ createService: { id: string } }>(`mutation($i: CreateServiceInput!) { createService(input: $i) { id } }`, {
      i: { clusterId, name: s.name, policy: { priority: s.priority, failoverDomainId: domains[s.home % domains.length], recoveryAction: 'RELOCATE', autostart: true }, resources: [r.createResource.id] },
    });
    services.push({ id: svc.createService.id, name: s.name, priority: s.priority, vm, homeHost: hostNames[s.home % hostNames.length] as string });
  }
  log(`cluster ${name}: ${nodes.size} nodes (heartbeat source MANAGER, IPMI fencing${lab.hosts.some((h) => h.esx) ? ", each host's own /sdk as its check address" : ''}), ${services.length} services`);

  // presence without agents: the detector's vCenter watch makes the nodes ONLINE
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await api.call<{ cluster: { status: { healthyNodes: number } } }>(`query($id: ID!) { cluster(id: $id) { status { healthyNodes } } }`, { id: clusterId });
    if (r.cluster.status.healthyNodes === nodes.size) break;
    if (Date.now() > until) throw new Error('timed out waiting for every node ONLINE through vCenter');
    await new Promise((res) => setTimeout(res, 250));
  }
  const start = await api.call<{ startCluster: { id: string } }>(`mutation($id: ID!) { startCluster(id: $id) { id } }`, { id: clusterId });
  await waitForOperation(api, start.startCluster.id, 120_000);
  for (const s of services) {
    const op = await api.call<{ startService: { id: string } }>(`mutation($id: ID!) { startService(id: $id) { id } }`, { id: s.id });
    await waitForOperation(api, op.startService.id, 60_000);
  }
  log('HA started; every service running on its home host');
  return { clusterId, nodes, services };
}
