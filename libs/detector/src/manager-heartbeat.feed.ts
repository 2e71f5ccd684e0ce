import { HeartbeatSource, Hypervisor, MANAGER_HEARTBEAT_HYPERVISORS, usesManagerHeartbeats } from '@haaas/domain';
import { canWatchHosts, type HostWatch, type ManagedHostState } from '@haaas/hypervisor';
import type { HypervisorAdapters, NodeService } from '@haaas/management';
import type { NodeEntity } from '@haaas/persistence';
import type { HeartbeatStore } from '@haaas/heartbeats';
import { type ClusterRef, DetectorStore, detectorScope } from './detector.store';

interface FeedLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface ManagerFeedDeps {
  readonly db: DetectorStore;
  readonly heartbeats: HeartbeatStore;
  readonly nodes: NodeService;
  readonly adapters: HypervisorAdapters;
  readonly logger: FeedLogger;
}

export interface ManagerFeedOptions {
  /** Accept self-signed manager certificates (labs, vcsim); never the default. */
  readonly insecureTls?: boolean;
  /** How long a cluster's node list (with credentials) is reused (default 5 s). */
  readonly inventoryTtlMs?: number;
}

interface Watched {
  readonly watch: HostWatch;
  /** The pass that last needed it: watches no cluster needs any more are closed. */
  usedInPass: number;
  /** The last problem logged, so an outage is logged once, not every second. */
  logged: string | null;
}

/** A host the manager vouches for: connected (or in maintenance) and not powered off. */
export function managerSaysAlive(state: ManagedHostState | undefined): boolean {
  if (!state) return false;
  return (state.connectionState === 'CONNECTED' || state.connectionState === 'MAINTENANCE') && state.poweredOn !== false;
}

/**
 * The manager heartbeat channel (docs/detector.md, "Heartbeat sources"): for clusters whose
 * heartbeat source is MANAGER or BOTH, one host watch per manager endpoint (vCenter URL and user),
 * shared by every node of every cluster behind it; at each cluster's heartbeat interval, a heartbeat
 * in the same Redis store as agent heartbeats for each node whose host the manager says is connected
 * and powered on. A manager that does not answer writes nothing, so its nodes go silent and suspect;
 * the second channel decides, and with the manager down it cannot say UNREACHABLE (vSphere's probe
 * calls a silent vCenter INCONCLUSIVE): a manager outage alone never declares a failure.
 *
 * Run by the detector that holds the lease, inside its tick: one process talks to each vCenter.
 */
export class ManagerHeartbeatFeed {
  private readonly watches = new Map<string, Watched>();
  private readonly lastBeat = new Map<string, number>();
  private readonly inventories = new Map<string, { readonly atPerf: number; readonly nodes: readonly NodeEntity[] }>();
  private pass = 0;

  constructor(
    private readonly deps: ManagerFeedDeps,
    private readonly options: ManagerFeedOptions = {},
  ) {}

  /** Managers watched now (for tests and stats). */
  get watchCount(): number {
    return this.watches.size;
  }

  /** One pass over the clusters the detector listed (STARTED and STOPPED: presence needs it too). */
  async beat(clusters: readonly ClusterRef[], nowMs: number): Promise<number> {
    this.pass += 1;
    let written = 0;
    for (const ref of clusters) {
      const c = ref.cluster;
      if (!usesManagerHeartbeats(c.heartbeatSource ?? HeartbeatSource.AGENT) || !MANAGER_HEARTBEAT_HYPERVISORS.has(c.hypervisor)) continue;
      const key = `${ref.tenantId}/${ref.clusterId}`;
      // the watches stay in use whether or not this pass is the cluster's beat
      const nodes = await this.nodesOf(ref);
      const due = nowMs - (this.lastBeat.get(key) ?? 0) >= c.heartbeatIntervalSeconds * 1000 - 100;
      const writes: Promise<number>[] = [];
      for (const node of nodes) {
        const watched = await this.watchFor(ref, node, c.hypervisor);
        if (!watched || !due) continue;
        const state = watched.watch.current()?.get(node.hostname.toLowerCase());
        if (!managerSaysAlive(state)) continue;
        const s = state as ManagedHostState;
        const bootTimeMs = c.heartbeatSource === HeartbeatSource.MANAGER ? s.bootTimeMs : null;
        writes.push(this.deps.heartbeats.recordManager({ tenantId: ref.tenantId, clusterId: ref.clusterId, nodeId: node.id }, { bootTimeMs, state: `${s.connectionState} ${s.poweredOn === null ? '' : s.poweredOn ? 'poweredOn' : 'poweredOff'}`.trim() }));
      }
      if (due) this.lastBeat.set(key, nowMs);
      written += (await Promise.all(writes)).length;
    }
    await this.closeUnused();
    return written;
  }

  /** Closes every watch (the detector stopped leading or shuts down). */
  async close(): Promise<void> {
    const all = [...this.watches.values()];
    this.watches.clear();
    this.lastBeat.clear();
    this.inventories.clear();
    await Promise.all(all.map((w) => w.watch.close().catch(() => undefined)));
  }

  private async nodesOf(ref: ClusterRef): Promise<readonly NodeEntity[]> {
    const key = `${ref.tenantId}/${ref.clusterId}`;
    const cached = this.inventories.get(key);
    if (cached && performance.now() - cached.atPerf < (this.options.inventoryTtlMs ?? 5_000)) return cached.nodes;
    const nodes = await this.deps.db.nodesOf(detectorScope(ref.tenantId), ref.clusterId);
    this.inventories.set(key, { atPerf: performance.now(), nodes });
    return nodes;
  }

  private async watchFor(ref: ClusterRef, node: NodeEntity, hypervisor: Hypervisor): Promise<Watched | null> {
    const adapter = this.deps.adapters.get(hypervisor);
    if (!adapter || !canWatchHosts(adapter)) return null;
    // one watch per manager and user: the same vCenter seen with other rights is another session
    const key = `${hypervisor} ${node.endpointUri} ${node.endpointUsername ?? ''}`;
    let watched = this.watches.get(key);
    if (!watched) {
      let credentials;
      try {
        credentials = await this.deps.nodes.credentials(detectorScope(ref.tenantId), node.id);
        // `host`: where the endpoint is the host itself (Hyper-V), the watch reports it under the node's name
        watched = { watch: adapter.watchHosts({ ...credentials, host: node.hostname, insecureTls: this.options.insecureTls === true }), usedInPass: this.pass, logged: null };
      } catch (err) {
        this.deps.logger.warn(`manager heartbeats of node ${node.id}: ${err instanceof Error ? err.message : String(err)}`);
        return null;
      }
      this.watches.set(key, watched);
      this.deps.logger.log(`manager heartbeats: watching the hosts of ${new URL(node.endpointUri).host} (${hypervisor})`);
    }
    watched.usedInPass = this.pass;
    const problem = watched.watch.problem;
    if (problem !== watched.logged && watched.watch.current() === null && problem !== 'not connected yet') {
      this.deps.logger.warn(`manager heartbeats from ${new URL(node.endpointUri).host}: ${problem ?? 'no answer'}; its nodes get no manager heartbeat until it answers`);
    }
    if (problem !== watched.logged && (problem === null || problem !== 'not connected yet')) watched.logged = problem;
    return watched;
  }

  private async closeUnused(): Promise<void> {
    const unused = [...this.watches.entries()].filter(([, w]) => w.usedInPass !== this.pass);
    for (const [key] of unused) this.watches.delete(key);
    await Promise.all(unused.map(([, w]) => w.watch.close().catch(() => undefined)));
  }
}
