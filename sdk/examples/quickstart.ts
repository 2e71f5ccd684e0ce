/**
 * Quick start: a cluster with two nodes, a VM in a service with a failover domain, then the nodes
 * (paged with `for await`) and the cluster log; typed errors; clean-up.
 *
 *   HAAAS_URL=http://127.0.0.1:4000 HAAAS_TOKEN=$(npm run -s token -- --tenant demo --role member) npx tsx quickstart.ts
 */
import { ConflictError, HaaasClient, NotFoundError, type Cluster } from '@haaas/sdk';

const client = new HaaasClient({
  url: process.env['HAAAS_URL'] ?? 'http://127.0.0.1:4000',
  // a callback may fetch and refresh tokens instead (it is asked with { refresh: true } after a refusal)
  token: process.env['HAAAS_TOKEN'] ?? '',
});

async function main(): Promise<void> {
  const me = await client.viewer();
  console.log(`signed in as ${me.subject} in tenant ${me.tenantId}`);

  let cluster: Cluster;
  try {
    cluster = await client.clusters.create({ name: 'quickstart', hypervisor: 'KVM', policy: { deadtimeSeconds: 15 } });
  } catch (e) {
    // typed errors: branch on the class, never on the message
    if (!(e instanceof ConflictError)) throw e;
    const existing = await client.clusters.list({ nameContains: 'quickstart' }).first();
    if (!existing) throw e;
    cluster = existing;
  }

  const nodes = [];
  for (const host of ['hv1', 'hv2']) {
    nodes.push(
      await client.nodes.join({
        clusterId: cluster.id,
        hostname: `${host}.quickstart.example.com`,
        kind: 'PHYSICAL',
        endpoint: { uri: `qemu+ssh://root@${host}.quickstart.example.com/system`, password: 'write-only' },
        capacity: { cpus: 32, memoryMb: 131072 },
      }),
    );
  }
  const domain = await client.failoverDomains.create({
    clusterId: cluster.id,
    name: 'prefer-hv1',
    ordered: true,
    // priority 1 is the most preferred member
    members: nodes.map((n, i) => ({ nodeId: n.id, priority: i + 1 })),
  });
  const vm = await client.resources.create({ clusterId: cluster.id, name: 'web', type: 'VM', vm: { hypervisorRef: 'web-01' } });
  // service priority: 1-1000, a HIGHER value recovers first
  const service = await client.services.create({ clusterId: cluster.id, name: 'shop', resources: [vm.id], policy: { failoverDomainId: domain.id, priority: 900 } });

  for await (const node of client.nodes.list({ clusterId: cluster.id })) {
    console.log(`node ${node.hostname}: ${node.status}`);
  }
  const events = await client.events.list({ clusterId: cluster.id }, { limit: 20 }).toArray();
  console.log(`service ${service.name} is ${service.state}; the log has ${events.length} events, newest ${events[0]?.type}`);

  await client.clusters.destroy(cluster.id, { force: true });
  try {
    await client.clusters.get(cluster.id);
  } catch (e) {
    if (e instanceof NotFoundError) console.log(`cluster ${cluster.name} destroyed (request ${e.requestId})`);
    else throw e;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
