import { type ChildProcess } from 'node:child_process';
import { type IpmiBmc } from '@haaas/fencing/testing';
import { waitForOperation } from './demo-datacenter';
import { type GraphQLCaller } from './graphql.client';
import { launchNodeAgent, type NodeAgentLaunch } from './node-agent.launcher';

/**
 * A cluster without node agents (heartbeat source MANAGER), or with them as well (BOTH), configured on a lab through the public
 * API, as a user would: nodes with their endpoints, an IPMI fencing device per host, an ordered
 * failover domain per home host, one VM resource and service per lab service; then HA and the
 * services started. Shared by the vSphere (vcsim) and Hyper-V (WS-Management test hosts) labs.
 */

/** A service of a lab: its VM is `<name>-vm`, first placed on host number `home`. */
export interface LabService {
  readonly name: string;
  readonly priority: number;
  readonly home: number;
}

export interface ManagedLabHost {
  /** The node's host name (vCenter's inventory name for vSphere). */
  readonly name: string;
  readonly bmc: IpmiBmc;
  readonly endpoint: { readonly uri: string; readonly username: string; readonly password: string };
  readonly checkAddress?: string | null;
}

export interface ManagedService {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly vm: string;
  readonly homeHost: string;
}

export interface ManagedDatacenter {
  readonly clusterId: string;
  /** Host name → node id. */
  readonly nodes: ReadonlyMap<string, string>;
  readonly services: readonly ManagedService[];
  /** Host name → its node agent's process (heartbeat source BOTH only). */
  readonly agents: ReadonlyMap<string, ChildProcess>;
}

export interface ManagedClusterOptions {
  readonly hypervisor: 'VSPHERE' | 'HYPERV';
  readonly name: string;
  readonly description: string;
  readonly hosts: readonly ManagedLabHost[];
  readonly services: readonly LabService[];
  readonly deadtimeSeconds?: number;
  /** MANAGER (default): no agents; BOTH: a node agent per host as well, started with `agents`. */
  readonly heartbeatSource?: 'MANAGER' | 'BOTH';
  /** Where the agents' configs go and how they reach the API (heartbeat source BOTH). */
  readonly agents?: Pick<NodeAgentLaunch, 'graphqlUrl' | 'dataDir' | 'stderr'>;
  readonly log?: (line: string) => void;
}

/** Configures the cluster (replacing one of the same name), starts HA and every service on its home host. */
// eslint-disable-next-line max-lines-per-function -- the cluster's configuration through the API, one call per object in dependency order, read as a script
export async function configureManagedCluster(api: GraphQLCaller, o: ManagedClusterOptions): Promise<ManagedDatacenter> {
  const log = o.log ?? (() => undefined);
  const name = o.name;
  const existing = await api.call<{ clusters: { nodes: { id: string; name: string }[] } }>(`query($n: String!) { clusters(filter: { nameContains: $n }) { nodes { id name } } }`, { n: name });
  for (const c of existing.clusters.nodes.filter((c) => c.name === name)) await api.call(`mutation($id: ID!) { destroyCluster(id: $id, force: true) { id } }`, { id: c.id });
  const { createCluster } = await api.call<{ createCluster: { id: string } }>(`mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`, {
    i: {
      name,
      hypervisor: o.hypervisor,
      heartbeatSource: o.heartbeatSource ?? 'MANAGER',
      description: o.description,
      policy: { heartbeatIntervalSeconds: 1, deadtimeSeconds: o.deadtimeSeconds ?? 4, fencingRequired: true, minHealthyNodes: 2 },
    },
  });
  const clusterId = createCluster.id;
  const nodes = new Map<string, string>();
  for (const h of o.hosts) {
    const { joinNode } = await api.call<{ joinNode: { id: string } }>(`mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
      i: {
        clusterId,
        hostname: h.name,
        kind: 'PHYSICAL',
        endpoint: h.endpoint,
        capacity: { cpus: 32, memoryMb: 262144 },
        ...(h.checkAddress ? { checkAddress: h.checkAddress } : {}),
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
  const hostNames = o.hosts.map((h) => h.name);
  const domains: string[] = [];
  for (let i = 0; i < hostNames.length; i++) {
    const members = hostNames.map((_, k) => ({ nodeId: nodes.get(hostNames[(i + k) % hostNames.length] as string), priority: k + 1 }));
    const d = await api.call<{ createFailoverDomain: { id: string } }>(`mutation($i: CreateFailoverDomainInput!) { createFailoverDomain(input: $i) { id } }`, {
      i: { clusterId, name: `prefer-${hostNames[i]?.split('.')[0]}`, ordered: true, restricted: true, members },
    });
    domains.push(d.createFailoverDomain.id);
  }
  const services: ManagedService[] = [];
  for (const s of o.services) {
    const vm = `${s.name}-vm`;
    const r = await api.call<{ createResource: { id: string } }>(`mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }`, { i: { clusterId, name: vm, type: 'VM', vm: { hypervisorRef: vm } } });
    const svc = await api.call<{ createService: { id: string } }>(`mutation($i: CreateServiceInput!) { createService(input: $i) { id } }`, {
      i: { clusterId, name: s.name, policy: { priority: s.priority, failoverDomainId: domains[s.home % domains.length], recoveryAction: 'RELOCATE', autostart: true }, resources: [r.createResource.id] },
    });
    services.push({ id: svc.createService.id, name: s.name, priority: s.priority, vm, homeHost: hostNames[s.home % hostNames.length] as string });
  }
  const agents = new Map<string, ChildProcess>();
  if (o.heartbeatSource === 'BOTH') {
    if (!o.agents) throw new Error('heartbeat source BOTH: say where the node agents go (agents)');
    for (const [host, nodeId] of nodes) agents.set(host, await launchNodeAgent(api, { ...o.agents, nodeId, name: host }));
  }
  log(`cluster ${name}: ${nodes.size} ${o.hypervisor} nodes (heartbeat source ${o.heartbeatSource ?? 'MANAGER'}, IPMI fencing${o.hosts.some((h) => h.checkAddress) ? ', check addresses' : ''}), ${services.length} services`);

  // presence without agents: the detector's manager watch (vCenter, WinRM) makes the nodes ONLINE
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await api.call<{ cluster: { status: { healthyNodes: number } } }>(`query($id: ID!) { cluster(id: $id) { status { healthyNodes } } }`, { id: clusterId });
    if (r.cluster.status.healthyNodes === nodes.size) break;
    if (Date.now() > until) throw new Error('timed out waiting for every node ONLINE through its manager channel');
    await new Promise((res) => setTimeout(res, 250));
  }
  const start = await api.call<{ startCluster: { id: string } }>(`mutation($id: ID!) { startCluster(id: $id) { id } }`, { id: clusterId });
  await waitForOperation(api, start.startCluster.id, 120_000);
  for (const s of services) {
    const op = await api.call<{ startService: { id: string } }>(`mutation($id: ID!) { startService(id: $id) { id } }`, { id: s.id });
    await waitForOperation(api, op.startService.id, 60_000);
  }
  log('HA started; every service running on its home host');
  return { clusterId, nodes, services, agents };
}
