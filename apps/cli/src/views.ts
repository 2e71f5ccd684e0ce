/**
 * The columns of each object: `list` for list commands, `show` for show and for what the
 * mutating commands print. The names are the json/yaml keys scripts read (apps/cli/README.md).
 */
import type { Cluster, ClusterEvent, FailoverDomain, FenceAgent, FencingDevice, Incident, Node, Operation, Resource, Service, Tenant } from '@haaas/sdk';
import type { Cell } from './output';

export interface View<T> {
  readonly list: readonly (readonly [string, (o: T) => Cell])[];
  readonly show: readonly (readonly [string, (o: T) => Cell])[];
}

const attrs = (a: readonly { key: string; value: string }[]): Cell => Object.fromEntries(a.map((x) => [x.key, x.value]));

export const CLUSTER: View<Cluster> = {
  list: [['ID', (c) => c.id], ['Name', (c) => c.name], ['Hypervisor', (c) => c.hypervisor], ['State', (c) => c.state], ['Quorate', (c) => c.status.quorate], ['Nodes', (c) => c.status.totalNodes]],
  show: [
    ['ID', (c) => c.id], ['Name', (c) => c.name], ['Description', (c) => c.description ?? null], ['Hypervisor', (c) => c.hypervisor], ['State', (c) => c.state],
    ['Heartbeat Source', (c) => c.heartbeatSource], ['Quorate', (c) => c.status.quorate], ['Quorum', (c) => c.status.quorum], ['Nodes', (c) => c.status.totalNodes], ['Healthy Nodes', (c) => c.status.healthyNodes],
    ['Policy', (c) => ({ ...c.policy })], ['Attributes', (c) => attrs(c.attributes)], ['Created At', (c) => c.createdAt], ['Updated At', (c) => c.updatedAt],
  ],
};

export const NODE: View<Node> = {
  list: [['ID', (n) => n.id], ['Hostname', (n) => n.hostname], ['Cluster', (n) => n.cluster.name], ['Status', (n) => n.status], ['Maintenance', (n) => n.maintenance]],
  show: [
    ['ID', (n) => n.id], ['Hostname', (n) => n.hostname], ['Kind', (n) => n.kind], ['Cluster ID', (n) => n.cluster.id], ['Cluster', (n) => n.cluster.name], ['Status', (n) => n.status],
    ['Maintenance', (n) => n.maintenance], ['Check Address', (n) => n.checkAddress ?? null], ['Endpoint', (n) => n.endpoint.uri], ['CPUs', (n) => n.capacity.cpus],
    ['Memory MB', (n) => n.capacity.memoryMb], ['Attributes', (n) => attrs(n.attributes)], ['Created At', (n) => n.createdAt], ['Updated At', (n) => n.updatedAt],
  ],
};

export const SERVICE: View<Service> = {
  list: [['ID', (s) => s.id], ['Name', (s) => s.name], ['Cluster', (s) => s.cluster.name], ['State', (s) => s.state], ['Node', (s) => s.currentNode?.hostname ?? null], ['Priority', (s) => s.policy.priority]],
  show: [
    ['ID', (s) => s.id], ['Name', (s) => s.name], ['Cluster ID', (s) => s.cluster.id], ['State', (s) => s.state], ['Node ID', (s) => s.currentNode?.id ?? null],
    ['Node', (s) => s.currentNode?.hostname ?? null], ['Policy', (s) => ({ ...s.policy })], ['Resources', (s) => s.resources.map((r) => ({ ...r }))],
    ['Attributes', (s) => attrs(s.attributes)], ['Created At', (s) => s.createdAt], ['Updated At', (s) => s.updatedAt],
  ],
};

export const OPERATION: View<Operation> = {
  list: [['ID', (o) => o.id], ['Kind', (o) => o.kind], ['State', (o) => o.state], ['Progress', (o) => o.progress], ['Target', (o) => `${o.target.type}:${o.target.id}`], ['Created At', (o) => o.createdAt]],
  show: [
    ['ID', (o) => o.id], ['Kind', (o) => o.kind], ['State', (o) => o.state], ['Progress', (o) => o.progress], ['Target Type', (o) => o.target.type], ['Target ID', (o) => o.target.id],
    ['Cluster ID', (o) => o.clusterId], ['Steps', (o) => o.steps.map((s) => ({ ...s }))], ['Error', (o) => o.error ?? null], ['Attempts', (o) => o.attempts],
    ['Requested By', (o) => o.requestedBy], ['Created At', (o) => o.createdAt], ['Started At', (o) => o.startedAt ?? null], ['Finished At', (o) => o.finishedAt ?? null],
  ],
};

export const INCIDENT: View<Incident> = {
  list: [['ID', (i) => i.id], ['Node', (i) => i.node?.hostname ?? i.nodeId], ['State', (i) => i.state], ['Source', (i) => i.source], ['Detected At', (i) => i.detectedAt]],
  show: [
    ['ID', (i) => i.id], ['Cluster ID', (i) => i.clusterId], ['Node ID', (i) => i.nodeId], ['Node', (i) => i.node?.hostname ?? null], ['State', (i) => i.state],
    ['Awaiting', (i) => i.awaiting ?? null], ['Source', (i) => i.source], ['Reason', (i) => i.reason ?? null], ['Detected At', (i) => i.detectedAt],
    ['Fenced At', (i) => i.fencedAt ?? null], ['Finished At', (i) => i.finishedAt ?? null], ['Fencing', (i) => JSON.parse(JSON.stringify(i.fencing)) as Cell],
    ['Services', (i) => JSON.parse(JSON.stringify(i.services)) as Cell],
  ],
};

export const EVENT: View<ClusterEvent> = {
  list: [['ID', (e) => e.id], ['At', (e) => e.at], ['Type', (e) => e.type], ['Actor', (e) => e.actor], ['Message', (e) => e.message]],
  show: [],
};

export const FENCE_AGENT: View<FenceAgent> = {
  list: [['Name', (a) => a.name], ['Description', (a) => a.shortdesc], ['Built-in', (a) => a.builtin]],
  show: [['Name', (a) => a.name], ['Description', (a) => a.shortdesc], ['Built-in', (a) => a.builtin], ['Actions', (a) => [...a.actions]], ['Parameters', (a) => a.parameters.map((p) => p.name)]],
};

export function listRows<T>(view: View<T>, items: readonly T[]): { headers: string[]; rows: Cell[][] } {
  return { headers: view.list.map(([h]) => h), rows: items.map((item) => view.list.map(([, get]) => get(item))) };
}

export function showFields<T>(view: View<T>, item: T): [string, Cell][] {
  return view.show.map(([h, get]) => [h, get(item)]);
}

export const RESOURCE: View<Resource> = {
  list: [['ID', (r) => r.id], ['Name', (r) => r.name], ['Type', (r) => r.type], ['Cluster', (r) => r.cluster.name], ['Service ID', (r) => r.serviceId ?? null]],
  show: [
    ['ID', (r) => r.id], ['Name', (r) => r.name], ['Type', (r) => r.type], ['Cluster ID', (r) => r.cluster.id], ['Service ID', (r) => r.serviceId ?? null], ['Position', (r) => r.position ?? null],
    ['Spec', (r) => JSON.parse(JSON.stringify(r.vm ?? r.ip ?? r.application ?? r.volume ?? null)) as Cell], ['Attributes', (r) => attrs(r.attributes)], ['Created At', (r) => r.createdAt],
  ],
};

export const FAILOVER_DOMAIN: View<FailoverDomain> = {
  list: [['ID', (d) => d.id], ['Name', (d) => d.name], ['Cluster', (d) => d.cluster.name], ['Ordered', (d) => d.ordered], ['Restricted', (d) => d.restricted], ['Members', (d) => d.members.length]],
  show: [
    ['ID', (d) => d.id], ['Name', (d) => d.name], ['Cluster ID', (d) => d.cluster.id], ['Ordered', (d) => d.ordered], ['Restricted', (d) => d.restricted], ['No Failback', (d) => d.nofailback],
    ['Members', (d) => d.members.map((m) => ({ priority: m.priority, nodeId: m.node.id, hostname: m.node.hostname }))], ['Created At', (d) => d.createdAt],
  ],
};

export const FENCING_DEVICE: View<FencingDevice> = {
  list: [['ID', (f) => f.id], ['Name', (f) => f.name], ['Agent', (f) => f.agent], ['Cluster', (f) => f.cluster.name], ['Nodes', (f) => f.associations.length]],
  show: [
    ['ID', (f) => f.id], ['Name', (f) => f.name], ['Agent', (f) => f.agent], ['Cluster ID', (f) => f.cluster.id], ['Options', (f) => attrs(f.options)], ['Secret Options', (f) => [...f.secretOptionKeys]],
    ['Associations', (f) => f.associations.map((a) => ({ level: a.level, nodeId: a.node.id, hostname: a.node.hostname }))], ['Created At', (f) => f.createdAt],
  ],
};

export const TENANT: View<Tenant> = {
  list: [['ID', (t) => t.id], ['Name', (t) => t.displayName ?? null], ['Clusters', (t) => t.usage.clusters], ['Nodes', (t) => t.usage.nodes]],
  show: [['ID', (t) => t.id], ['Name', (t) => t.displayName ?? null], ['Quota', (t) => ({ ...t.quota })], ['Overrides', (t) => ({ ...t.quotaOverrides })], ['Usage', (t) => ({ ...t.usage })], ['Created At', (t) => t.createdAt]],
};
