import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLCaller } from './graphql.client';
import { type ManagedService } from './managed-cluster';
import { configureVsphereCluster, startVsphereLab, type VsphereLab } from './vsphere-datacenter';

/**
 * `HAAAS_DEMO=vsphere npm start`: the vSphere datacenter of the vSphere e2e as the demo. vcsim as
 * vCenter with three ESXi hosts in one cluster, each with an ipmi_sim BMC and its own `/sdk` (a
 * vcsim -esx: the second channel); a VSPHERE cluster `demo-vsphere` with heartbeat source MANAGER
 * (no node agents), prioritised services, HA started. The state file lets `npm run demo -- kill`
 * (another process) crash a host: its own /sdk killed, vCenter disconnecting it.
 */
export interface VsphereDemoState {
  readonly kind: 'vsphere';
  readonly clusterId: string;
  readonly vcenter: { readonly url: string; readonly username: string; readonly password: string };
  readonly hosts: readonly { readonly name: string; readonly nodeId: string; readonly esxPid: number | null }[];
}

export interface VsphereDemo {
  readonly clusterId: string;
  readonly lab: VsphereLab;
  readonly hosts: readonly { readonly name: string }[];
  readonly services: readonly ManagedService[];
  stop(): Promise<void>;
}

export const VSPHERE_DEMO_CLUSTER = 'demo-vsphere';

/** Starts vcsim and the BMCs: before the API and worker, which need `lab.env` (vcsim's CA, a short resync) in their config. */
export function startVsphereDemoLab(log?: (line: string) => void): Promise<VsphereLab> {
  return startVsphereLab({ hostEndpoints: true, log });
}

/** Configures the demo tenant's cluster on the lab through the public API, starts HA, writes `<dataDir>/demo.json`. */
export async function configureVsphereDemo(
  lab: VsphereLab,
  o: { readonly graphqlUrl: string; readonly token: string; readonly dataDir: string; readonly deadtimeSeconds?: number; readonly log?: (line: string) => void },
): Promise<VsphereDemo> {
  const api = new GraphQLCaller(o.graphqlUrl, o.token);
  const dc = await configureVsphereCluster(api, lab, { name: VSPHERE_DEMO_CLUSTER, deadtimeSeconds: o.deadtimeSeconds ?? 4, log: o.log });
  const state: VsphereDemoState = {
    kind: 'vsphere',
    clusterId: dc.clusterId,
    vcenter: { url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password },
    hosts: lab.hosts.map((h) => ({ name: h.name, nodeId: dc.nodes.get(h.name) as string, esxPid: h.esx?.pid ?? null })),
  };
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  // vCenter's password is in it: the owner's only
  writeFileSync(join(o.dataDir, 'demo.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
  return { clusterId: dc.clusterId, lab, hosts: lab.hosts, services: dc.services, stop: () => lab.stop() };
}
