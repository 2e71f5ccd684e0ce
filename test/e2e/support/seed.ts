import { HaaasClient } from '@haaas/sdk';
import type { TestApi } from './api';

export interface SeededIds {
  cluster: string;
  node: string;
  node2: string;
  resource: string;
  resource2: string;
  failoverDomain: string;
  service: string;
  fencingDevice: string;
  webhook: string;
}

export interface SeededTenant {
  readonly ids: SeededIds;
  readonly hostname: string;
  /** Strings that only this tenant's data contains (ids, names, secrets): none may show up elsewhere. */
  markers(): string[];
  /** Everything of this tenant as its own user sees it, for before/after comparisons. */
  snapshot(): Promise<unknown>;
}

/**
 * Everything of one cluster through the SDK: the cluster, and every node, resource, service,
 * failover domain, fencing device (with its associations) and log entry of it, each with every
 * field the SDK reads (updatedAt included, so any write shows).
 */
async function snapshotOf(client: HaaasClient, clusterId: string): Promise<unknown> {
  const [cluster, nodes, resources, services, failoverDomains, fencingDevices, log, webhooks] = await Promise.all([
    client.clusters.get(clusterId),
    client.nodes.list({ clusterId }).toArray(),
    client.resources.list({ clusterId }).toArray(),
    client.services.list({ clusterId }).toArray(),
    client.failoverDomains.list({ clusterId }).toArray(),
    client.fencingDevices.list({ clusterId }).toArray(),
    client.events.list({ clusterId }).toArray(),
    client.webhooks.list(clusterId),
  ]);
  const topologies = await Promise.all(nodes.map(async (n) => [n.id, await client.nodes.fencingTopology(n.id)] as const));
  const deliveries = await Promise.all(webhooks.map((w) => client.webhooks.deliveries(w.id).toArray()));
  return { cluster, nodes, resources, services, failoverDomains, fencingDevices, topologies, log, webhooks, deliveries };
}

/** A small but complete tenant setup through the SDK: every kind of object, related to each other. */
export async function seedTenant(api: TestApi, token: string, prefix: string): Promise<SeededTenant> {
  const secret = `${prefix}-Secr3t-${Math.random().toString(36).slice(2)}`;
  // no retries: a failed seed should fail the test at once
  const client = new HaaasClient({ url: api.url, token, retry: false });
  const cluster = (
    await client.clusters.create({ name: `${prefix}-cluster`, hypervisor: 'KVM', description: `${prefix} description`, attributes: [{ key: 'owner', value: `${prefix}-team` }] })
  ).id;
  const hostname = `${prefix}-n1.example.com`;
  const join = async (host: string) =>
    (
      await client.nodes.join({
        clusterId: cluster,
        hostname: host,
        kind: 'PHYSICAL',
        endpoint: { uri: `qemu+ssh://${host}/system`, username: 'root', password: secret },
        capacity: { cpus: 16, memoryMb: 65536 },
      })
    ).id;
  const node = await join(hostname);
  const node2 = await join(`${prefix}-n2.example.com`);
  const createVm = async (name: string) => (await client.resources.create({ clusterId: cluster, name, type: 'VM', vm: { hypervisorRef: `${name}-ref` } })).id;
  const resource = await createVm(`${prefix}-vm1`);
  const resource2 = await createVm(`${prefix}-vm2`);
  const failoverDomain = (
    await client.failoverDomains.create({
      clusterId: cluster,
      name: `${prefix}-domain`,
      ordered: true,
      members: [
        { nodeId: node, priority: 1 },
        { nodeId: node2, priority: 2 },
      ],
    })
  ).id;
  const service = (await client.services.create({ clusterId: cluster, name: `${prefix}-svc`, policy: { failoverDomainId: failoverDomain, priority: 900 }, resources: [resource] })).id;
  const fencingDevice = (
    await client.fencingDevices.add({
      clusterId: cluster,
      name: `${prefix}-bmc`,
      agent: 'fence_ipmilan',
      options: [
        { key: 'ip', value: '192.0.2.1' },
        { key: 'username', value: 'admin' },
      ],
      secretOptions: [{ key: 'password', value: secret }],
    })
  ).id;
  await client.fencingDevices.associate({ deviceId: fencingDevice, nodeId: node, level: 1, options: [{ key: 'plug', value: '1' }] });
  // a disabled webhook (nothing is sent to the unroutable address), its secret a marker
  const webhook = (await client.webhooks.create({ clusterId: cluster, url: `https://${prefix}-hooks.example.com/haaas`, eventTypes: ['INCIDENT_OPENED'], secret, enabled: false })).id;
  const ids: SeededIds = { cluster, node, node2, resource, resource2, failoverDomain, service, fencingDevice, webhook };
  return {
    ids,
    hostname,
    markers: () => [...Object.values(ids), `${prefix}-cluster`, `${prefix}-n1`, `${prefix}-vm1`, `${prefix}-svc`, `${prefix}-domain`, `${prefix}-bmc`, `${prefix}-team`, secret],
    snapshot: () => snapshotOf(client, cluster),
  };
}
