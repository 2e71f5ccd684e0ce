import Redis from 'ioredis';
import { ClusterState, DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, TenantScope } from '@haaas/domain';
import type { ClusterPolicy } from '@haaas/domain';
import { ClusterService, NodeService, QuotaService } from '@haaas/management';
import type { HypervisorAdapters } from '@haaas/management';
import { EventEntity, IncidentEntity, NodeEntity, openDataSource, Store } from '@haaas/persistence';
import { JobProducer, QUEUES } from '@haaas/queue';
import { hypervisorAdapters } from '@haaas/engine-runtime';
import { HeartbeatStore } from '@haaas/heartbeats';
import type { HeartbeatReport } from '@haaas/heartbeats';
import type { DetectorSettings } from './detector.options';
import { FailureDetector } from './failure-detector';
import type { DetectorHooks, DetectorLogger } from './detector.types';

/**
 * Set-up shared by the detector's integration tests (tests only, not exported): services built
 * directly on a migrated database and a Redis (the spec files create both), heartbeats written
 * with HeartbeatStore.record as the agent endpoint would, and detectors with their own Redis
 * connections, as separate worker processes would have.
 */

type DataSource = Awaited<ReturnType<typeof openDataSource>>;

export const alice = TenantScope.of('alice', { subject: 'alice@example.com', roles: ['member'] });

/** Fast detection for tests: interval 1 s, deadtime 2 s (the domain's minimum). */
export const FAST_POLICY: Partial<ClusterPolicy> = { heartbeatIntervalSeconds: 1, deadtimeSeconds: 2, minHealthyNodes: 1 };

/** Detector timings scaled down with the policy. */
export const FAST_SETTINGS: Partial<DetectorSettings> = {
  tickMs: 200,
  leaseMs: 1500,
  renewEveryMs: 400,
  inventoryTtlMs: 500,
  clusterListTtlMs: 500,
  reconcileEveryTicks: 5,
  probeDeadlineMs: 3000,
  addressDeadlineMs: 1000,
  detection: { reprobeSeconds: 1, bootGraceSeconds: 60 },
};

export interface NodeBeat {
  bootTime: number;
  storageOk: boolean;
  isolationOk: boolean;
}

export class DetectorHarness {
  readonly heartbeats: HeartbeatStore;
  readonly clusters: ClusterService;
  readonly nodes: NodeService;
  readonly producer: JobProducer;
  readonly adapters: HypervisorAdapters;
  /** Nodes the heartbeat pump beats for, with what they report. */
  readonly alive = new Map<string, { tenantId: string; clusterId: string; beat: NodeBeat }>();
  private readonly connections: Redis[] = [];
  private readonly detectors: FailureDetector[] = [];
  private readonly producers: JobProducer[] = [];
  private pump: NodeJS.Timeout | null = null;
  readonly logs: string[] = [];

  private constructor(
    readonly ds: DataSource,
    readonly store: Store,
    readonly redisUrl: string,
    readonly redis: Redis,
    adapters?: HypervisorAdapters,
  ) {
    this.adapters = adapters ?? hypervisorAdapters();
    this.heartbeats = new HeartbeatStore(this.connection());
    const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
    this.clusters = new ClusterService(store, quota);
    this.nodes = new NodeService(store, quota, { seal: (s) => s, open: (s) => s });
    this.producer = new JobProducer(this.connection());
    this.producer.queue(QUEUES.recovery).on('error', () => undefined); // Redis restarts on purpose here
  }

  static async open(dbUrl: string, redisUrl: string, adapters?: HypervisorAdapters): Promise<DetectorHarness> {
    const ds = await openDataSource({ url: dbUrl, poolSize: 10 });
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    return new DetectorHarness(ds, new Store(ds), redisUrl, redis, adapters);
  }

  /** A Redis connection closed with the harness (a detector's own, as in another process). */
  connection(): Redis {
    const c = new Redis(this.redisUrl, { maxRetriesPerRequest: 1 });
    c.on('error', () => undefined); // a restarted Redis: ioredis reconnects; the detector logs what failed
    this.connections.push(c);
    return c;
  }

  detector(settings: Partial<DetectorSettings> = {}, hooks: DetectorHooks = {}, name = `d${this.detectors.length + 1}`): FailureDetector {
    const logger: DetectorLogger = {
      log: (m) => this.logs.push(`${name} log ${m}`),
      warn: (m) => this.logs.push(`${name} warn ${m}`),
      error: (m) => this.logs.push(`${name} error ${m}`),
    };
    const producer = new JobProducer(this.connection());
    this.producers.push(producer);
    const d = new FailureDetector(
      { store: this.store, heartbeats: this.heartbeats, nodes: this.nodes, adapters: this.adapters, redis: this.connection(), producer, logger, hooks },
      { ...FAST_SETTINGS, holder: name, ...settings },
    );
    this.detectors.push(d);
    return d;
  }

  /** A STARTED cluster (the seed's "start" is the operations' job; here the row is set directly). */
  async startedCluster(scope: TenantScope, name: string, policy: Partial<ClusterPolicy> = FAST_POLICY, state = ClusterState.STARTED): Promise<string> {
    const cluster = await this.clusters.create(scope, { name, hypervisor: Hypervisor.KVM, policy });
    await this.setClusterState(scope, cluster.id, state);
    return cluster.id;
  }

  async setClusterState(scope: TenantScope, clusterId: string, state: ClusterState): Promise<void> {
    await this.store.transaction(async (repos) => {
      const c = await repos.clusters.lock(scope, clusterId);
      c.state = state;
      await repos.clusters.save(scope, c);
    });
  }

  async join(scope: TenantScope, clusterId: string, hostname: string, uri = 'test:///default', checkAddress: string | null = null): Promise<string> {
    const node = await this.nodes.join(scope, { clusterId, hostname, kind: NodeKind.PHYSICAL, endpoint: { uri }, capacity: { cpus: 8, memoryMb: 16384 }, checkAddress });
    return node.id;
  }

  /** Starts beating for the node (every 300 ms, as an agent with a 1 s interval would, a bit eagerly). */
  beat(scope: TenantScope, clusterId: string, nodeId: string, beat: Partial<NodeBeat> = {}): void {
    const current = this.alive.get(nodeId)?.beat;
    this.alive.set(nodeId, {
      tenantId: scope.tenantId,
      clusterId,
      beat: { bootTime: beat.bootTime ?? current?.bootTime ?? 1_700_000_000_000, storageOk: beat.storageOk ?? current?.storageOk ?? true, isolationOk: beat.isolationOk ?? current?.isolationOk ?? true },
    });
    if (!this.pump) {
      this.pump = setInterval(() => void this.beatAll(), 300);
      this.pump.unref();
    }
  }

  /** The node's agent falls silent. */
  silence(nodeId: string): void {
    this.alive.delete(nodeId);
  }

  async beatAll(): Promise<void> {
    await Promise.all(
      [...this.alive.entries()].map(([nodeId, n]) => this.heartbeats.record({ tenantId: n.tenantId, clusterId: n.clusterId, nodeId }, this.report(n.beat)).catch(() => undefined)),
    );
  }

  report(beat: NodeBeat): HeartbeatReport {
    return {
      sentAt: Date.now(),
      bootTime: beat.bootTime,
      agentVersion: 'test',
      checks: { storage: { ok: beat.storageOk }, isolationAddress: { ok: beat.isolationOk, address: '192.0.2.1' } },
    };
  }

  node(scope: TenantScope, id: string): Promise<NodeEntity> {
    return this.store.repos.nodes.get(scope, id);
  }

  incidents(scope: TenantScope, nodeId: string): Promise<IncidentEntity[]> {
    return this.store.repos.incidents.find(scope, { nodeId });
  }

  events(scope: TenantScope, clusterId: string, filter: { type?: string; nodeId?: string } = {}): Promise<EventEntity[]> {
    return this.store.repos.events.find(scope, { clusterId, ...(filter.type ? { type: filter.type } : {}), ...(filter.nodeId ? { nodeId: filter.nodeId } : {}) });
  }

  async close(): Promise<void> {
    if (this.pump) clearInterval(this.pump);
    await Promise.allSettled(this.detectors.map((d) => d.stop()));
    await Promise.allSettled([this.producer, ...this.producers].map((p) => p.close()));
    for (const c of [...this.connections, this.redis]) c.disconnect();
    await this.ds.destroy();
  }
}

/** Polls `fn` until it returns a value that is not undefined/false, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
