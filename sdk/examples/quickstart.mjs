// The quick start as a plain ES module: node quickstart.mjs (HAAAS_URL, HAAAS_TOKEN).
// Its last part is live, over graphql-ws: npm install @haaas/sdk graphql-ws ws
import { ConflictError, HaaasClient, NotFoundError } from '@haaas/sdk';
import WebSocket from 'ws';

// Node 20 has no global WebSocket: the subscriptions use ws's
const client = new HaaasClient({ url: process.env.HAAAS_URL ?? 'http://127.0.0.1:4000', token: process.env.HAAAS_TOKEN ?? '', webSocketImpl: WebSocket });

const me = await client.viewer();
console.log(`signed in as ${me.subject} in tenant ${me.tenantId}`);

let cluster;
try {
  cluster = await client.clusters.create({ name: 'quickstart-esm', hypervisor: 'KVM' });
} catch (e) {
  if (!(e instanceof ConflictError)) throw e;
  cluster = await client.clusters.list({ nameContains: 'quickstart-esm' }).first();
}
for (const host of ['hv1', 'hv2']) {
  await client.nodes.join({
    clusterId: cluster.id,
    hostname: `${host}.esm.example.com`,
    kind: 'PHYSICAL',
    endpoint: { uri: `qemu+ssh://root@${host}.esm.example.com/system` },
    capacity: { cpus: 8, memoryMb: 16384 },
  });
}
for await (const node of client.nodes.list({ clusterId: cluster.id }, { pageSize: 1 })) console.log(`node ${node.hostname}: ${node.status}`);
const events = await client.events.list({ clusterId: cluster.id }).toArray();
console.log(`the log has ${events.length} events, newest ${events[0]?.type}`);

// live: what happens after the newest event read above (no gap: the API replays from `after`)
const next = (async () => {
  for await (const event of client.subscriptions.clusterEvents({ clusterId: cluster.id, after: events[0]?.id ?? null })) return event;
})();
await client.clusters.update({ id: cluster.id, description: 'watched' });
console.log(`live: ${(await next).type}`);
await client.clusters.destroy(cluster.id, { force: true });
await client.clusters.get(cluster.id).catch((e) => {
  if (!(e instanceof NotFoundError)) throw e;
  console.log(`cluster ${cluster.name} destroyed`);
});
