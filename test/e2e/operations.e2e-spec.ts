import { Module, type INestApplication, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createClient, type Client } from 'graphql-ws';
import { createConnection, type Connection } from 'mysql2/promise';
import WebSocket from 'ws';
import { type LibvirtHosts, processesMatching, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
// a second API replica needs the app's own factory, as support/api.ts uses it for the first
import { createApiApp } from '@haaas/api-server';
import Redis from 'ioredis';
import { TenantScope } from '@haaas/domain';
import { clusterEventsChannel, OperationsWorkerModule } from '@haaas/operations';
import { NodeActionsModule } from '@haaas/node-actions';
import { RecoveryModule } from '@haaas/recovery';
import { RedisModule } from '@haaas/redis';
import { hypervisorAdapters } from '@haaas/engine-runtime';
import { appendEvent, ManagementModule, sealerOf } from '@haaas/management';
import { PersistenceModule, Store } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { startTestApi, type TestApi } from './support/api';
import { markerEventType, testRedisUrl } from '@haaas/testing';

/**
 * The operations API over HTTP and graphql-ws against the real API: mutations return Operations
 * that a worker runs on two simulated KVM hosts (libvirt test driver), and subscriptions over a
 * real WebSocket, authenticated by the JWT in connectionParams, stream what happens: the events of
 * the tenant's own cluster (appended by the API, by the worker, on another API replica), nothing of
 * another tenant.
 */

/** A Redis database of this file's own: the queues are shared by name with other test files' workers. */
interface Received<T> {
  readonly items: T[];
  error: unknown;
  completed: boolean;
  dispose(): void;
}

function subscribe<T>(client: Client, query: string, variables: Record<string, unknown>): Received<T> {
  const received: Received<T> = {
    items: [],
    error: null,
    completed: false,
    dispose: () => undefined,
  };
  received.dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors?.length) received.error = value.errors;
        else if (value.data) received.items.push(value.data as T);
      },
      error: (e) => void (received.error = e),
      complete: () => void (received.completed = true),
    },
  );
  return received;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const CLUSTER_EVENTS = `subscription($clusterId: ID!, $after: ID) { clusterEvents(clusterId: $clusterId, after: $after) { id type objectType objectId serviceId nodeId actor message } }`;
const OPERATION_UPDATED = `subscription($id: ID!) { operationUpdated(id: $id) { id kind state progress attempts steps { name state message } error } }`;
const OPERATION_FIELDS = 'id kind state progress attempts requestedBy error clusterId target { type id } targetNodeId steps { name state startedAt finishedAt message } createdAt startedAt finishedAt';

type Ev = { clusterEvents: { id: string; type: string; objectType: string; objectId: string; serviceId: string | null; message: string | null } };
type OpUpdate = { operationUpdated: { id: string; state: string; progress: number; steps: { name: string; state: string }[] } };

describe('operations over HTTP and subscriptions over graphql-ws', () => {
  let peer: LibvirtHosts;
  let api: TestApi;
  let replica: INestApplication;
  let replicaUrl: string;
  let worker: INestApplicationContext;
  let sql: Connection;
  let alice: string;
  let aliceReader: string;
  let bob: string;
  const clients: Client[] = [];
  let clusterId: string;
  let bobClusterId: string;
  let serviceId: string;
  const nodeIds: Record<string, string> = {};

  const ws = (baseUrl: string, token: string | null): Client => {
    const client = createClient({
      url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    peer = await startLibvirtHosts({ hosts: ['e2eA', 'e2eB'] });
    const redis = testRedisUrl(12);
    api = await startTestApi({ HAAAS_REDIS_URL: redis });
    // a second API replica on the same database and Redis: subscribers there see what the first does
    replica = await createApiApp(api.config, { logger: false });
    await replica.listen(0, '127.0.0.1');
    replicaUrl = `http://127.0.0.1:${(replica.getHttpServer().address() as { port: number }).port}`;

    // The operations worker: the worker app's composition for operations. Not the whole worker app:
    // its failure detector would watch these nodes, which run no node agent.
    const config = api.config;
    const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
    const adapters = hypervisorAdapters();
    const sealer = sealerOf(box);
    @Module({
      imports: [
        RedisModule.forRoot({ url: redis }),
        PersistenceModule.forRoot({ url: config.database.url }),
        ManagementModule.forRoot({ defaultQuota: config.quota, sealer, adapters }),
        NodeActionsModule.forRoot(),
        // the process's runner and claims (no recovery workers); claims waited for 5 s
        RecoveryModule.forRoot({ adapters, sealer, runWorkers: false, claimWaitMs: 5000 }),
        OperationsWorkerModule.forRoot({ adapters, sealer }),
      ],
    })
    class OperationsWorker {}
    worker = await NestFactory.createApplicationContext(OperationsWorker, { logger: false });
    await worker.init();

    sql = await createConnection(config.database.url);
    alice = await api.token('alice-co', ['member'], 'alice');
    aliceReader = await api.token('alice-co', ['reader'], 'alice-reader');
    bob = await api.token('bob-co', ['member'], 'bob');

    const c = await api.ok<{ createCluster: { id: string } }>(alice, `mutation { createCluster(input: { name: "east", hypervisor: KVM, policy: { minHealthyNodes: 2 } }) { id } }`);
    clusterId = c.createCluster.id;
    for (const host of ['e2eA', 'e2eB']) {
      const n = await api.ok<{ joinNode: { id: string } }>(alice, `mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
        i: { clusterId, hostname: `${host.toLowerCase()}.example.com`, kind: 'PHYSICAL', endpoint: { uri: peer.host(host).uri }, capacity: { cpus: 8, memoryMb: 16384 } },
      });
      nodeIds[host] = n.joinNode.id;
    }
    const vm = 'shop-vm';
    // a VM of shared storage, known to both hosts
    for (const host of ['e2eA', 'e2eB']) {
      const { writeFileSync } = await import('node:fs');
      const file = `${peer.dir}/${host}-${vm}.xml`;
      writeFileSync(file, testDomainXml({ name: vm }));
      expect((await peer.virsh(host, ['define', file])).code).toBe(0);
    }
    const r = await api.ok<{ createResource: { id: string } }>(alice, `mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }`, {
      i: { clusterId, name: vm, type: 'VM', vm: { hypervisorRef: vm } },
    });
    const s = await api.ok<{ createService: { id: string } }>(alice, `mutation($i: CreateServiceInput!) { createService(input: $i) { id } }`, {
      i: { clusterId, name: 'shop', resources: [r.createResource.id], policy: { priority: 800 } },
    });
    serviceId = s.createService.id;
    const b = await api.ok<{ createCluster: { id: string } }>(bob, `mutation { createCluster(input: { name: "bob-east", hypervisor: KVM }) { id } }`);
    bobClusterId = b.createCluster.id;
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await sql?.end();
    await worker?.close();
    await replica?.close();
    await api?.close();
    await peer?.stop();
    if (peer) expect(processesMatching(peer.dir)).toEqual([]);
  });

  /** What the failure detector does when the nodes' agents report in. */
  const online = (ids: string[]) => sql.query(`UPDATE nodes SET status = 'ONLINE' WHERE id IN (${ids.map(() => '?').join(',')})`, ids);

  async function operationOf(token: string, id: string): Promise<{ state: string; error: string | null; steps: { name: string; state: string }[] }> {
    return (await api.ok<{ operation: { state: string; error: string | null; steps: { name: string; state: string }[] } }>(token, `query($id: ID!) { operation(id: $id) { ${OPERATION_FIELDS} } }`, { id })).operation;
  }

  async function settled(token: string, id: string): Promise<{ state: string; error: string | null; steps: { name: string; state: string }[] }> {
    let op = await operationOf(token, id);
    await until(`operation ${id}`, async () => {
      op = await operationOf(token, id);
      return op.state === 'SUCCEEDED' || op.state === 'FAILED';
    }, 60_000);
    return op;
  }

  /**
   * Subscribed and live: graphql-ws does not acknowledge a subscription, so an event is appended
   * (again, until one arrives) and awaited: from then on the stream is known to be live.
   */
  async function ready(received: Received<Ev>, token: string, cluster: string, marker: string): Promise<void> {
    const seen = () => received.items.some((e) => e.clusterEvents.type === 'cluster.attributes_changed');
    for (let i = 0; !seen(); i++) {
      if (i > 50) throw new Error(`subscription never became live: ${JSON.stringify({ error: received.error, completed: received.completed })}`);
      await api.ok(token, `mutation($id: ID!, $v: String!) { setClusterAttributes(id: $id, change: { set: [{ key: "probe", value: $v }] }) { id } }`, { id: cluster, v: `${marker}-${i}` });
      await until('the probe event', seen, 1000).catch(() => undefined);
    }
  }

  it('refuses startCluster without quorum in the mutation itself: PRECONDITION_FAILED, a clear message, no operation', async () => {
    const res = await api.gql<{ startCluster: unknown }>(alice, `mutation($id: ID!) { startCluster(id: $id) { id } }`, { id: clusterId });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'cannot start HA on cluster "east": 0 of 2 node(s) healthy (ONLINE, not in maintenance); quorum needs 2 (N/2 + 1 of 2) and the cluster policy needs at least 2 (minHealthyNodes)',
      extensions: { code: 'PRECONDITION_FAILED', reason: 'NO_QUORUM', totalNodes: 2, healthyNodes: 0, quorum: 2, minHealthyNodes: 2 },
    });
    const list = await api.ok<{ operations: { nodes: unknown[] } }>(alice, `{ operations(first: 10) { nodes { id } } }`);
    expect(list.operations.nodes).toEqual([]);
  });

  it('streams an action to its tenant over a real WebSocket, on both replicas, and nothing of it to another tenant', async () => {
    const aliceSub = subscribe<Ev>(ws(api.url, alice), CLUSTER_EVENTS, { clusterId });
    const aliceOnReplica = subscribe<Ev>(ws(replicaUrl, aliceReader), CLUSTER_EVENTS, { clusterId });
    const bobOwn = subscribe<Ev>(ws(api.url, bob), CLUSTER_EVENTS, { clusterId: bobClusterId });
    const bobIntoAlice = subscribe<Ev>(ws(api.url, bob), CLUSTER_EVENTS, { clusterId });
    await ready(aliceSub, alice, clusterId, 'one');
    await ready(aliceOnReplica, alice, clusterId, 'replica');
    await ready(bobOwn, bob, bobClusterId, 'bob');
    await until('the refusal of another tenant’s cluster', () => bobIntoAlice.error !== null || bobIntoAlice.completed, 15_000);
    expect(bobIntoAlice.items).toEqual([]);
    expect(bobIntoAlice.error).toEqual([expect.objectContaining({ message: `Cluster ${clusterId} not found`, extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);

    await online([nodeIds['e2eA'] ?? '', nodeIds['e2eB'] ?? '']);
    const start = await api.ok<{ startCluster: { id: string; state: string; kind: string; requestedBy: string; target: { type: string; id: string } } }>(
      alice,
      `mutation($id: ID!) { startCluster(id: $id, idempotencyKey: "start-1") { ${OPERATION_FIELDS} } }`,
      { id: clusterId },
    );
    expect(start.startCluster).toMatchObject({ state: 'PENDING', kind: 'CLUSTER_START', requestedBy: 'alice', target: { type: 'CLUSTER', id: clusterId } });
    const updates = subscribe<OpUpdate>(ws(api.url, alice), OPERATION_UPDATED, { id: start.startCluster.id });
    await until('operationUpdated to complete', () => updates.completed, 30_000);
    expect(updates.error).toBeNull();
    const last = updates.items[updates.items.length - 1]?.operationUpdated;
    expect(last).toMatchObject({ id: start.startCluster.id, state: 'SUCCEEDED', progress: 100, steps: [{ name: 'check quorum and healthy nodes', state: 'SUCCEEDED' }, { name: 'activate HA', state: 'SUCCEEDED' }] });
    // the same key again: the same operation
    const again = await api.ok<{ startCluster: { id: string } }>(alice, `mutation($id: ID!) { startCluster(id: $id, idempotencyKey: "start-1") { id } }`, { id: clusterId });
    expect(again.startCluster.id).toBe(start.startCluster.id);

    // a service action: the worker starts the VM on a host
    const op = await api.ok<{ startService: { id: string } }>(alice, `mutation($id: ID!) { startService(id: $id) { id } }`, { id: serviceId });
    const done = await settled(alice, op.startService.id);
    expect(done).toMatchObject({ state: 'SUCCEEDED', error: null });
    const running: string[] = [];
    for (const h of ['e2eA', 'e2eB']) if ((await peer.virsh(h, ['domstate', 'shop-vm'])).stdout.trim() === 'running') running.push(h);
    expect(running).toHaveLength(1);

    const story = ['operation.requested', 'operation.started', 'operation.step_started', 'operation.step_succeeded', 'service.starting', 'resource.started', 'service.started', 'operation.succeeded'];
    await until('the whole story on both replicas', () =>
      [aliceSub, aliceOnReplica].every((sub) => story.every((t) => sub.items.some((e) => e.clusterEvents.type === t && (e.clusterEvents.objectId === op.startService.id || e.clusterEvents.serviceId === serviceId)))),
    );
    expect(aliceSub.items.some((e) => e.clusterEvents.type === 'cluster.started')).toBe(true);
    // in order, each once
    const ids = aliceSub.items.map((e) => e.clusterEvents.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // from the moment both streams were live, the replica sent exactly the same events in the same order
    const onReplica = aliceOnReplica.items.map((e) => e.clusterEvents.id);
    const bothLive = [ids[0] ?? '', onReplica[0] ?? ''].sort()[1] ?? '';
    expect(onReplica.filter((id) => id >= bothLive)).toEqual(ids.filter((id) => id >= bothLive));

    // bob saw his own cluster's event and nothing of alice's
    const bobText = JSON.stringify(bobOwn.items);
    expect(new Set(bobOwn.items.map((e) => e.clusterEvents.type))).toEqual(new Set(['cluster.attributes_changed']));
    for (const marker of [clusterId, serviceId, op.startService.id, start.startCluster.id, 'shop']) expect(bobText).not.toContain(marker);
    expect(bobOwn.error).toBeNull();
  });

  it('resumes a stream after an event id without a gap or a repeat', async () => {
    const log = await api.ok<{ clusterLog: { nodes: { id: string; type: string }[] } }>(alice, `query($id: ID!) { clusterLog(clusterId: $id, first: 5) { nodes { id type } } }`, { id: clusterId });
    const newest = log.clusterLog.nodes[0];
    const third = log.clusterLog.nodes[2];
    if (!newest || !third) throw new Error('log too short');
    const resumed = subscribe<Ev>(ws(api.url, alice), CLUSTER_EVENTS, { clusterId, after: third.id });
    await until('the replay', () => resumed.items.length >= 2, 15_000);
    expect(resumed.items.slice(0, 2).map((e) => e.clusterEvents.id)).toEqual([log.clusterLog.nodes[1]?.id, newest.id]);
    await ready(resumed, alice, clusterId, 'two');
    const ids = resumed.items.map((e) => e.clusterEvents.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id > third.id)).toBe(true);
  });

  it('relocates and stops through the API; every mutation answers at once with the operation', async () => {
    const before = (await api.ok<{ service: { currentNode: { id: string } | null } }>(alice, `query($id: ID!) { service(id: $id) { currentNode { id } } }`, { id: serviceId })).service.currentNode?.id;
    const to = Object.entries(nodeIds).find(([, id]) => id !== before)?.[0] ?? '';
    const reloc = await api.ok<{ relocateService: { id: string; targetNodeId: string } }>(alice, `mutation($id: ID!, $to: ID) { relocateService(id: $id, targetNodeId: $to) { ${OPERATION_FIELDS} } }`, {
      id: serviceId,
      to: nodeIds[to],
    });
    expect(reloc.relocateService.targetNodeId).toBe(nodeIds[to]);
    expect(await settled(alice, reloc.relocateService.id)).toMatchObject({ state: 'SUCCEEDED' });
    expect((await peer.virsh(to, ['domstate', 'shop-vm'])).stdout.trim()).toBe('running');
    const stop = await api.ok<{ stopService: { id: string } }>(alice, `mutation($id: ID!) { stopService(id: $id) { id } }`, { id: serviceId });
    expect(await settled(alice, stop.stopService.id)).toMatchObject({ state: 'SUCCEEDED' });
    expect((await peer.virsh(to, ['domstate', 'shop-vm'])).stdout.trim()).toBe('shut off');

    const filtered = await api.ok<{ operations: { nodes: { kind: string }[] } }>(alice, `query($t: ID!) { operations(first: 10, filter: { targetId: $t }) { nodes { kind } } }`, { t: serviceId });
    expect(filtered.operations.nodes.map((o) => o.kind)).toEqual(['SERVICE_STOP', 'SERVICE_RELOCATE', 'SERVICE_START']);
  });

  it('answers the dry run and the incidents, and keeps another tenant out of them', async () => {
    const plan = await api.ok<{ failoverPlan: { nodeId: string; haActive: boolean; quorum: { quorate: boolean; totalNodes: number }; blockers: { code: string }[]; fencing: { summary: string } } }>(
      alice,
      `query($n: ID!) { failoverPlan(nodeId: $n) { nodeId haActive quorum { quorate totalNodes healthyNodes quorum } blockers { code message } fencing { required summary levels { level deviceIds } } services { serviceId outcome targetNodeId wave } counts { start skip willFail } } }`,
      { n: nodeIds['e2eA'] },
    );
    expect(plan.failoverPlan).toMatchObject({ nodeId: nodeIds['e2eA'], haActive: true, quorum: { quorate: false, totalNodes: 2 } });
    expect(plan.failoverPlan.blockers.map((b) => b.code)).toEqual(['NOT_QUORATE', 'NO_FENCING_DEVICE']);
    for (const q of [`query($n: ID!) { failoverPlan(nodeId: $n) { nodeId } }`]) {
      const res = await api.gql(bob, q, { n: nodeIds['e2eA'] });
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const incidents = await api.ok<{ incidents: { nodes: unknown[] } }>(alice, `{ incidents(first: 5) { nodes { id state } } }`);
    expect(incidents.incidents.nodes).toEqual([]);
  });

  it('refuses subscriptions without a valid token, and another tenant’s operation', async () => {
    const anonymous = subscribe<Ev>(ws(api.url, null), CLUSTER_EVENTS, { clusterId });
    await until('the refusal', () => anonymous.error !== null, 10_000);
    expect((anonymous.error as { code?: number }).code).toBe(4403);
    const forged = subscribe<Ev>(ws(api.url, `${alice.slice(0, -4)}AAAA`), CLUSTER_EVENTS, { clusterId });
    await until('the refusal', () => forged.error !== null, 10_000);
    expect(forged.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    expect(forged.items).toEqual([]);
    const ops = await api.ok<{ operations: { nodes: { id: string }[] } }>(alice, `{ operations(first: 1) { nodes { id } } }`);
    const bobWatch = subscribe<OpUpdate>(ws(api.url, bob), OPERATION_UPDATED, { id: ops.operations.nodes[0]?.id });
    await until('the refusal', () => bobWatch.error !== null, 10_000);
    expect(bobWatch.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    expect(bobWatch.items).toEqual([]);
    // a reader may watch, not act
    const denied = await api.gql(aliceReader, `mutation($id: ID!) { stopService(id: $id) { id } }`, { id: serviceId });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('wakes a cluster’s feeds once per committed transaction, from the API process and from the worker process', async () => {
    // a cluster of its own: no operation of the other tests publishes on its channel
    const quiet = (await api.ok<{ createCluster: { id: string } }>(alice, `mutation { createCluster(input: { name: "quiet", hypervisor: KVM }) { id } }`)).createCluster.id;
    const channel = clusterEventsChannel('alice-co', quiet);
    const barrierChannel = `haaas:test:operations-e2e:barrier:${process.pid}`;
    const counter = new Redis(testRedisUrl(12));
    const pub = new Redis(testRedisUrl(12));
    let woken = 0;
    let barriers = 0;
    counter.on('message', (ch: string) => (ch === channel ? woken++ : ch === barrierChannel ? barriers++ : undefined));
    // everything published before the barrier message has reached `counter` once it arrives
    const barrier = async (n: number) => {
      await pub.publish(barrierChannel, '1');
      await until('the barrier', () => barriers >= n, 10_000);
    };
    try {
      await counter.subscribe(channel, barrierChannel);
      // a management mutation through the API: its event wakes this cluster (the API publishes no tenant-wide wake-up any more)
      await api.ok(alice, `mutation($id: ID!) { setClusterAttributes(id: $id, change: { set: [{ key: "k", value: "v" }] }) { id } }`, { id: quiet });
      await until('the API’s wake-up', () => woken >= 1, 10_000);
      await barrier(1);
      expect(woken).toBe(1);
      // two events written by the worker process in one plain transaction, as recovery writes them
      const workerStore = worker.get(Store, { strict: false });
      const system = TenantScope.of('alice-co', { subject: 'system:recovery', roles: ['admin'] });
      await workerStore.transaction(async (repos) => {
        await appendEvent(repos, system, { clusterId: quiet, type: markerEventType('test.one'), objectType: 'Cluster', objectId: quiet });
        await appendEvent(repos, system, { clusterId: quiet, type: markerEventType('test.two'), objectType: 'Cluster', objectId: quiet });
      });
      await until('the worker’s wake-up', () => woken >= 2, 10_000);
      await barrier(2);
      expect(woken).toBe(2);
    } finally {
      await counter.quit();
      await pub.quit();
    }
  });
});
