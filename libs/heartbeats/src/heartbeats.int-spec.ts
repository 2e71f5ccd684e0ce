import Redis from 'ioredis';
import { DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, NotFoundError, TenantScope } from '@haaas/domain';
import { ClusterService, NodeService, QuotaService } from '@haaas/management';
import { openDataSource, queryCounter, runMigrations, Store } from '@haaas/persistence';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { agentTokenFingerprint, hashAgentToken } from './agent-token';
import { agentTokenCacheKey, AgentTokenService } from './agent-token.service';
import { HeartbeatIntake } from './heartbeat-intake.service';
import { HeartbeatStore, lastSeenKey } from './heartbeat.store';
import type { HeartbeatReport } from './heartbeat.types';
import { resolveHeartbeatsOptions, type ResolvedHeartbeatsOptions } from './heartbeats.options';

const alice = TenantScope.of('alice', { subject: 'alice@example.com', roles: ['member'] });
const bob = TenantScope.of('bob', { subject: 'bob@example.com', roles: ['member'] });
type DataSource = Awaited<ReturnType<typeof openDataSource>>;
const sealer = { seal: (s: string) => s, open: (s: string) => s };

const report = (over: Partial<HeartbeatReport> = {}): HeartbeatReport => ({
  sentAt: Date.now(),
  bootTime: Date.now() - 3_600_000,
  agentVersion: '0.1.0',
  checks: { storage: { ok: true, detail: 'wrote and synced' }, isolationAddress: { ok: false, address: '192.0.2.1', detail: 'no reply' } },
  ...over,
});

describe('heartbeats on MariaDB and Redis', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let store: Store;
  let redis: Redis;
  let heartbeats: HeartbeatStore;
  let clusters: ClusterService;
  let nodes: NodeService;
  let options: ResolvedHeartbeatsOptions;
  /** Two API replicas: their own in-process caches, one Redis and one database. */
  let replicaA: AgentTokenService;
  let replicaB: AgentTokenService;
  let clusterId: string;
  let nodeId: string;
  let node2Id: string;
  let bobNodeId: string;

  const sqlOf = (fn: () => Promise<unknown>) =>
    queryCounter.run(async () => {
      await fn();
      return queryCounter.current() ?? 0;
    });
  const eventsOf = (scope: TenantScope, objectId: string) => store.repos.events.find(scope, { objectId });

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    ds = await openDataSource({ url: db.url });
    store = new Store(ds);
    const url = process.env['HAAAS_TEST_REDIS_URL'];
    if (!url) throw new Error('HAAAS_TEST_REDIS_URL is not set');
    redis = new Redis(url, { enableAutoPipelining: true });
    heartbeats = new HeartbeatStore(redis);
    const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
    clusters = new ClusterService(store, quota);
    nodes = new NodeService(store, quota, sealer);
    options = resolveHeartbeatsOptions({ localTtlMs: 300 });
    replicaA = new AgentTokenService(store, redis, options);
    replicaB = new AgentTokenService(store, redis, options);
    const join = async (scope: TenantScope, cluster: string, hostname: string) =>
      (await nodes.join(scope, { clusterId: cluster, hostname, kind: NodeKind.PHYSICAL, endpoint: { uri: `qemu+ssh://${hostname}/system` }, capacity: { cpus: 8, memoryMb: 8192 } })).id;
    clusterId = (await clusters.create(alice, { name: 'east', hypervisor: Hypervisor.KVM, policy: { heartbeatIntervalSeconds: 3, deadtimeSeconds: 15 } })).id;
    nodeId = await join(alice, clusterId, 'kvm-1.example.com');
    node2Id = await join(alice, clusterId, 'kvm-2.example.com');
    const bobCluster = (await clusters.create(bob, { name: 'east', hypervisor: Hypervisor.KVM })).id;
    bobNodeId = await join(bob, bobCluster, 'kvm-1.example.com');
  });

  afterAll(async () => {
    await redis?.quit();
    await ds?.destroy();
    await db?.drop();
  });

  describe('issuing a token', () => {
    it('returns the token once, stores only its SHA-256, and logs the issue by fingerprint', async () => {
      const issued = await replicaA.issue(alice, nodeId);
      expect(issued.nodeId).toBe(nodeId);
      expect(issued.token.startsWith(`hna_alice.${nodeId}.`)).toBe(true);
      const [row] = await ds.query('SELECT agent_token_hash FROM nodes WHERE id = ?', [nodeId]);
      expect(row.agent_token_hash).toBe(hashAgentToken(issued.token));
      const events = await eventsOf(alice, nodeId);
      const event = events.find((e) => e.type === 'node.agent_token_issued');
      expect(event).toMatchObject({ actor: 'alice@example.com', nodeId, after: { agentToken: issued.fingerprint } });
      expect(issued.fingerprint).toBe(agentTokenFingerprint(hashAgentToken(issued.token)));
      // the secret part appears in no table: the database dump gives nobody a token
      const secret = issued.token.split('.').pop() as string;
      const dump = JSON.stringify(await ds.query('SELECT * FROM events')) + JSON.stringify(await ds.query('SELECT * FROM nodes'));
      expect(dump).not.toContain(secret);
      expect(JSON.stringify(await redis.get(agentTokenCacheKey('alice', nodeId)))).not.toContain(secret);
    });

    it('answers NOT_FOUND for another tenant\'s node, and changes nothing there', async () => {
      await expect(replicaA.issue(alice, bobNodeId)).rejects.toBeInstanceOf(NotFoundError);
      const [row] = await ds.query('SELECT agent_token_hash FROM nodes WHERE id = ?', [bobNodeId]);
      expect(row.agent_token_hash).toBeNull();
      expect((await eventsOf(bob, bobNodeId)).map((e) => e.type)).toEqual(['node.joined']);
    });
  });

  describe('verifying a token', () => {
    it('authenticates its node without a SQL statement once cached, and with one after Redis forgot it', async () => {
      const { token } = await replicaA.issue(alice, node2Id);
      const identity = { tenantId: 'alice', clusterId, nodeId: node2Id };
      // the issuing replica: cached in process and in Redis
      expect(await sqlOf(async () => expect(await replicaA.verify(token)).toEqual(identity))).toBe(0);
      // another replica: from Redis
      expect(await sqlOf(async () => expect(await replicaB.verify(token)).toEqual(identity))).toBe(0);
      // Redis lost it (restart, eviction) and the in-process entries expired: one read refills both
      await redis.del(agentTokenCacheKey('alice', node2Id));
      const cold = new AgentTokenService(store, redis, options);
      expect(await sqlOf(async () => expect(await Promise.all([cold.verify(token), cold.verify(token), cold.verify(token)])).toEqual([identity, identity, identity]))).toBe(1);
      expect(await redis.get(agentTokenCacheKey('alice', node2Id))).not.toBeNull();
      expect(await sqlOf(() => Promise.all(Array.from({ length: 50 }, () => cold.verify(token))))).toBe(0);
    });

    it('refuses a rotated token at once on the issuing replica and within the local TTL on the others', async () => {
      const first = await replicaA.issue(alice, nodeId);
      expect(await replicaB.verify(first.token)).toBeDefined();
      const second = await replicaA.issue(alice, nodeId);
      expect(await replicaA.verify(first.token)).toBeUndefined();
      expect(await replicaA.verify(second.token)).toBeDefined();
      await new Promise((r) => setTimeout(r, options.localTtlMs + 50));
      expect(await replicaB.verify(first.token)).toBeUndefined();
      expect(await replicaB.verify(second.token)).toBeDefined();
      const rotated = (await eventsOf(alice, nodeId)).find((e) => e.type === 'node.agent_token_rotated' && (e.after as { agentToken: string }).agentToken === second.fingerprint);
      expect(rotated?.before).toEqual({ agentToken: first.fingerprint });
    });

    it('refuses a revoked token at once, logs the revocation by fingerprint, and revoking again changes nothing', async () => {
      const issued = await replicaA.issue(alice, nodeId);
      expect(await replicaA.verify(issued.token)).toBeDefined();
      await replicaA.revoke(alice, nodeId);
      expect(await replicaA.verify(issued.token)).toBeUndefined();
      expect((await store.repos.nodes.findById(alice, nodeId))?.agentTokenHash).toBeNull();
      const revoked = (await eventsOf(alice, nodeId)).filter((e) => e.type === 'node.agent_token_revoked');
      expect(revoked.map((e) => e.before)).toEqual([{ agentToken: issued.fingerprint }]);
      await replicaA.revoke(alice, nodeId);
      expect((await eventsOf(alice, nodeId)).filter((e) => e.type === 'node.agent_token_revoked')).toHaveLength(1);
      // a new token works again (the "none" cached by the revocation does not outlive the issue)
      const next = await replicaA.issue(alice, nodeId);
      expect(await replicaA.verify(next.token)).toBeDefined();
    });

    it('refuses forged, altered and cross-tenant tokens, and one tenant\'s forgery does not lock out the real node', async () => {
      const { token } = await replicaA.issue(alice, nodeId);
      const secret = token.split('.').pop() as string;
      const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      expect(await replicaA.verify(`hna_alice.${nodeId}.${flipped}`)).toBeUndefined();
      expect(await replicaA.verify(token.toUpperCase())).toBeUndefined();
      expect(await replicaA.verify(undefined)).toBeUndefined();
      expect(await replicaA.verify('hna_garbage')).toBeUndefined();
      // the same secret under bob's name: bob's scope does not see alice's node
      const claimedByBob = `hna_bob.${nodeId}.${secret}`;
      expect(await sqlOf(async () => expect(await replicaB.verify(claimedByBob)).toBeUndefined())).toBe(1);
      expect(await redis.get(agentTokenCacheKey('bob', nodeId))).toBe('-');
      // ...and repeating it costs no more reads (negative cache), while alice's node still works
      expect(await sqlOf(() => new AgentTokenService(store, redis, options).verify(claimedByBob))).toBe(0);
      expect(await new AgentTokenService(store, redis, options).verify(token)).toEqual({ tenantId: 'alice', clusterId, nodeId });
    });

    it('forgets a node on invalidate (after it left)', async () => {
      const { token } = await replicaA.issue(alice, nodeId);
      await store.transaction((repos) => repos.nodes.delete(alice, { id: nodeId }));
      expect(await replicaA.verify(token)).toBeDefined(); // cached: leave must invalidate
      await replicaA.invalidate(alice, nodeId);
      expect(await replicaA.verify(token)).toBeUndefined();
    });
  });

  describe('HeartbeatStore', () => {
    const clusterX = '0192f3a4-0000-7000-8000-000000000001';
    const a = { tenantId: 'alice', clusterId: clusterX, nodeId: '0192f3a4-0000-7000-8000-00000000000a' };
    const b = { tenantId: 'alice', clusterId: clusterX, nodeId: '0192f3a4-0000-7000-8000-00000000000b' };

    it('records a heartbeat with its checks, stamped by Redis\'s clock', async () => {
      const before = await heartbeats.now();
      const r = report();
      const seenAt = await heartbeats.record(a, r);
      const after = await heartbeats.now();
      expect(seenAt).toBeGreaterThanOrEqual(before);
      expect(seenAt).toBeLessThanOrEqual(after);
      const records = await heartbeats.records(alice, clusterX, [a.nodeId, b.nodeId]);
      expect(records.get(a.nodeId)).toEqual({ nodeId: a.nodeId, seenAt, sentAt: r.sentAt, bootTime: r.bootTime, agentVersion: '0.1.0', checks: r.checks });
      expect(records.has(b.nodeId)).toBe(false);
      expect(await redis.pttl(lastSeenKey('alice', clusterX))).toBeGreaterThan(0);
    });

    it('finds the silent nodes of a cluster with one sorted-set read', async () => {
      await heartbeats.record(a, report());
      await new Promise((r) => setTimeout(r, 300));
      const seenB = await heartbeats.record(b, report());
      const all = await heartbeats.lastSeen(alice, clusterX);
      expect([...all.keys()].sort()).toEqual([a.nodeId, b.nodeId]);
      expect(all.get(b.nodeId)).toBe(seenB);
      const stale = await heartbeats.staleSince(alice, clusterX, 200);
      expect([...stale.keys()]).toEqual([a.nodeId]);
      expect(stale.get(a.nodeId)).toBe(all.get(a.nodeId));
      expect((await heartbeats.staleSince(alice, clusterX, 60_000)).size).toBe(0);
    });

    it('keeps tenants apart: another tenant\'s scope sees nothing of the cluster', async () => {
      await heartbeats.record(a, report());
      expect((await heartbeats.lastSeen(bob, clusterX)).size).toBe(0);
      expect((await heartbeats.staleSince(bob, clusterX, 0)).size).toBe(0);
      expect((await heartbeats.records(bob, clusterX, [a.nodeId])).size).toBe(0);
    });

    it('stores every one of many concurrent beats, one script call per cluster and turn', async () => {
      const clusters = ['0192f3a4-0000-7000-8000-0000000000c1', '0192f3a4-0000-7000-8000-0000000000c2'];
      const beats = Array.from({ length: 300 }, (_, i) => ({ tenantId: 'alice', clusterId: clusters[i % 2] as string, nodeId: `0192f3a4-0000-7000-8000-${String(i).padStart(12, '0')}` }));
      const calls = async (): Promise<number> => {
        const info = await redis.info('commandstats');
        return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      };
      const own = new Redis(process.env['HAAAS_TEST_REDIS_URL'] as string, { enableAutoPipelining: true });
      const batched = new HeartbeatStore(own, { batchMaxBeats: 1000 });
      try {
        await batched.now();
        const before = await calls();
        const reports = beats.map((_, i) => report({ sentAt: 1_000_000 + i }));
        const seen = await Promise.all(beats.map((n, i) => batched.record(n, reports[i] as HeartbeatReport)));
        // other test files share the server: their calls may add a few, never the 300 of one per beat
        expect((await calls()) - before).toBeLessThan(20);
        for (const c of clusters) {
          const last = await heartbeats.lastSeen(alice, c);
          const mine = beats.filter((n) => n.clusterId === c);
          expect(last.size).toBe(mine.length);
          const records = await heartbeats.records(alice, c, mine.map((n) => n.nodeId));
          for (const n of mine) {
            const i = beats.indexOf(n);
            expect(records.get(n.nodeId)).toMatchObject({ seenAt: seen[i], sentAt: 1_000_000 + i });
            expect(last.get(n.nodeId)).toBe(seen[i]);
          }
        }
      } finally {
        own.disconnect();
      }
    });

    it('fails a beat it could not write (no 2xx for a beat that is not stored)', async () => {
      const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      const failing = new HeartbeatStore(down);
      await expect(Promise.all([failing.record(a, report()), failing.record(b, report())])).rejects.toThrow();
      down.disconnect();
    });

    it('forgets a node', async () => {
      await heartbeats.record(a, report());
      await heartbeats.forget(alice, a);
      expect((await heartbeats.lastSeen(alice, clusterX)).has(a.nodeId)).toBe(false);
      expect((await heartbeats.records(alice, clusterX, [a.nodeId])).size).toBe(0);
    });
  });

  describe('HeartbeatIntake', () => {
    it('records and answers with the cluster\'s interval, without SQL once warm', async () => {
      const { token } = await replicaA.issue(alice, node2Id);
      const intake = new HeartbeatIntake(replicaA, heartbeats, store, redis, options);
      const node = await intake.authenticate(token);
      if (!node) throw new Error('token refused');
      const first = await intake.receive(node, report());
      expect(first.intervalSeconds).toBe(3);
      expect(await sqlOf(async () => {
        for (let i = 0; i < 20; i++) await intake.receive(node, report());
      })).toBe(0);
      expect((await heartbeats.lastSeen(alice, clusterId)).get(node2Id)).toBeGreaterThanOrEqual(first.seenAt);
    });
  });
});
