import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDomainXml } from '@haaas/adapter-kvm/testing';
import { SimulatedHost, startSimulatedHost } from '@haaas/fencing/testing';
import { GraphQLCaller } from './graphql.client';
import { launchNodeAgent } from './node-agent.launcher';

export interface DemoOptions {
  /** GraphQL endpoint of the API, e.g. http://127.0.0.1:4000/graphql. */
  readonly graphqlUrl: string;
  /** A member token of the demo tenant. */
  readonly token: string;
  /** Where agent configs, tokens and the state file go. */
  readonly dataDir: string;
  readonly hosts?: number;
  /** Seconds of silence before a node is suspect (short, for a demo). */
  readonly deadtimeSeconds?: number;
  readonly log?: (line: string) => void;
}

export interface DemoHost {
  readonly name: string;
  readonly nodeId: string;
  readonly uri: string;
  readonly sim: SimulatedHost;
  agent: ChildProcess | null;
}

export interface DemoService {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly vm: string;
  readonly homeHost: string;
}

export interface DemoDatacenter {
  readonly clusterId: string;
  readonly hosts: readonly DemoHost[];
  readonly services: readonly DemoService[];
  /** A host crash: its agent and its libvirtd die at once (the BMC stays, to be fenced). */
  crash(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** The demo's services: priorities from critical to best-effort, spread over the hosts. */
// db restarts in place when its VM stops on a healthy host (up to 3 times in 10 minutes); the others move
const SERVICES: readonly { name: string; priority: number; home: number; recoveryAction?: 'RESTART' }[] = [
  { name: 'db', priority: 1000, home: 0, recoveryAction: 'RESTART' },
  { name: 'web-a', priority: 800, home: 1 },
  { name: 'web-b', priority: 800, home: 1 },
  { name: 'queue', priority: 500, home: 2 },
  { name: 'batch', priority: 100, home: 1 },
];

/**
 * Builds the simulated datacenter and the demo tenant's configuration through the public API,
 * starts one node agent per host and starts HA. Idempotent per data dir: a previous demo cluster
 * of the tenant is destroyed first (its hosts did not survive the restart).
 */
// eslint-disable-next-line max-lines-per-function -- the demo's set-up script, step by step in the order a user would do it through the API
export async function startDemoDatacenter(o: DemoOptions): Promise<DemoDatacenter> {
  const log = o.log ?? (() => undefined);
  const api = new GraphQLCaller(o.graphqlUrl, o.token);
  const count = o.hosts ?? 3;
  mkdirSync(join(o.dataDir, 'agents'), { recursive: true, mode: 0o700 });

  const sims: SimulatedHost[] = [];
  const hosts: DemoHost[] = [];
  const stop = async (): Promise<void> => {
    for (const h of hosts) h.agent?.kill('SIGTERM');
    await Promise.all(sims.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < count; i++) {
      sims.push(await startSimulatedHost({ name: `host${i + 1}`, user: 'admin', password: randomBytes(6).toString('hex') }));
    }
    log(`${count} simulated hosts up (libvirtd test driver + ipmi_sim BMC each)`);

    const existing = await api.call<{ clusters: { nodes: { id: string }[] } }>(`{ clusters(filter: { nameContains: "demo-dc" }) { nodes { id } } }`);
    for (const c of existing.clusters.nodes) await api.call(`mutation($id: ID!) { destroyCluster(id: $id, force: true) { id } }`, { id: c.id });
    const { createCluster } = await api.call<{ createCluster: { id: string } }>(`mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`, {
      i: {
        name: 'demo-dc',
        hypervisor: 'KVM',
        description: 'Simulated KVM datacenter of `npm start`',
        policy: { heartbeatIntervalSeconds: 1, deadtimeSeconds: o.deadtimeSeconds ?? 4, fencingRequired: true, minHealthyNodes: 2 },
      },
    });
    const clusterId = createCluster.id;

    for (const sim of sims) {
      const { joinNode } = await api.call<{ joinNode: { id: string } }>(`mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
        i: { clusterId, hostname: `${sim.name}.demo.local`, kind: 'PHYSICAL', endpoint: { uri: sim.host.uri }, capacity: { cpus: 16, memoryMb: 65536 } },
      });
      const device = await api.call<{ addFencingDevice: { id: string } }>(`mutation($i: AddFencingDeviceInput!) { addFencingDevice(input: $i) { id } }`, {
        i: {
          clusterId,
          name: `${sim.name}-bmc`,
          agent: 'fence_ipmilan',
          options: Object.entries(sim.bmc.fenceOptions())
            .filter(([k]) => k !== 'password')
            .map(([key, value]) => ({ key, value })),
          secretOptions: [{ key: 'password', value: sim.bmc.password }],
        },
      });
      await api.call(`mutation($i: AssociateFencingDeviceInput!) { associateFencingDevice(input: $i) { id } }`, {
        i: { deviceId: device.addFencingDevice.id, nodeId: joinNode.id, level: 1 },
      });
      hosts.push({ name: sim.name, nodeId: joinNode.id, uri: sim.host.uri, sim, agent: null });
    }
    log(`cluster demo-dc with ${hosts.length} nodes and their IPMI fencing devices`);

    // one ordered failover domain per home host: prefer home, then the next hosts in turn
    const domains: string[] = [];
    for (let h = 0; h < hosts.length; h++) {
      const members = hosts.map((_, k) => ({ nodeId: hosts[(h + k) % hosts.length]?.nodeId, priority: k + 1 }));
      const d = await api.call<{ createFailoverDomain: { id: string } }>(`mutation($i: CreateFailoverDomainInput!) { createFailoverDomain(input: $i) { id } }`, {
        i: { clusterId, name: `prefer-${hosts[h]?.name}`, ordered: true, restricted: true, members },
      });
      domains.push(d.createFailoverDomain.id);
    }

    const services: DemoService[] = [];
    for (const s of SERVICES) {
      const home = hosts[s.home % hosts.length] as DemoHost;
      const vm = `${s.name}-vm`;
      // the VM exists on its home host; HAaaS keeps its definition to register it elsewhere on failover
      const xmlFile = join(o.dataDir, `${vm}.xml`);
      writeFileSync(xmlFile, testDomainXml({ name: vm, memoryKiB: 262144 }));
      await home.sim.host.virsh('define', xmlFile);
      const r = await api.call<{ createResource: { id: string } }>(`mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }`, {
        i: { clusterId, name: vm, type: 'VM', vm: { hypervisorRef: vm } },
      });
      const svc = await api.call<{ createService: { id: string } }>(`mutation($i: CreateServiceInput!) { createService(input: $i) { id } }`, {
        i: { clusterId, name: s.name, policy: { priority: s.priority, failoverDomainId: domains[s.home % hosts.length], recoveryAction: s.recoveryAction ?? 'RELOCATE', autostart: true }, resources: [r.createResource.id] },
      });
      services.push({ id: svc.createService.id, name: s.name, priority: s.priority, vm, homeHost: home.name });
    }
    log(`${services.length} services (priorities ${SERVICES.map((s) => s.priority).join(', ')}), one VM each`);

    // the simulated hosts share this machine: IP and VOLUME actions would change its real network
    // and mounts, so they are answered "disabled"; APPLICATION commands run here (the demo's
    // services are VM-only, so only resources an operator adds reach the agents)
    for (const h of hosts) h.agent = await launchNodeAgent(api, { nodeId: h.nodeId, name: h.name, graphqlUrl: o.graphqlUrl, dataDir: o.dataDir, actions: ['APPLICATION'] });
    log('node agents started (one heartbeat a second)');

    await waitFor(async () => {
      const r = await api.call<{ cluster: { status: { healthyNodes: number } } }>(`query($id: ID!) { cluster(id: $id) { status { healthyNodes } } }`, { id: clusterId });
      return r.cluster.status.healthyNodes === hosts.length;
    }, 60_000, 'every node ONLINE (heartbeats seen by the detector)');
    const start = await api.call<{ startCluster: { id: string } }>(`mutation($id: ID!) { startCluster(id: $id) { id } }`, { id: clusterId });
    await waitForOperation(api, start.startCluster.id, 120_000);
    for (const s of services) {
      const op = await api.call<{ startService: { id: string } }>(`mutation($id: ID!) { startService(id: $id) { id } }`, { id: s.id });
      await waitForOperation(api, op.startService.id, 60_000);
    }
    log('HA started; every service running on its home host');

    writeFileSync(
      join(o.dataDir, 'demo.json'),
      JSON.stringify(
        { clusterId, hosts: hosts.map((h) => ({ name: h.name, nodeId: h.nodeId, uri: h.uri, dir: h.sim.host.dir, script: h.sim.host.script, agentPid: h.agent?.pid ?? null })) },
        null,
        2,
      ),
    );
    return {
      clusterId,
      hosts,
      services,
      crash: async (name: string) => {
        const h = hosts.find((x) => x.name === name);
        if (!h) throw new Error(`no host ${name}`);
        h.agent?.kill('SIGKILL');
        h.agent = null;
        await h.sim.host.crash();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`demo: timed out waiting for ${what}`);
}

export async function waitForOperation(api: GraphQLCaller, id: string, timeoutMs: number): Promise<void> {
  let last = '';
  await waitFor(async () => {
    const r = await api.call<{ operation: { state: string; error: string | null } }>(`query($id: ID!) { operation(id: $id) { state error } }`, { id });
    last = `${r.operation.state}${r.operation.error ? `: ${r.operation.error}` : ''}`;
    if (r.operation.state === 'FAILED' || r.operation.state === 'CANCELLED') throw new Error(`demo: operation ${id} ${last}`);
    return r.operation.state === 'SUCCEEDED';
  }, timeoutMs, `operation ${id} (last: ${last})`);
}
