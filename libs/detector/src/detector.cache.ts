import type { TenantScope } from '@haaas/domain';
import type { NodeEntity } from '@haaas/persistence';
import type { DetectorSettings } from './detector.options';
import { ClusterRef, DetectorStore } from './detector.store';

/** The clusters the detector watches: started ones are evaluated, idle ones only tracked for presence. */
export interface ClusterList {
  readonly tenantIds: readonly string[];
  readonly started: readonly ClusterRef[];
  readonly idle: readonly ClusterRef[];
}

export function clusterKey(ref: ClusterRef): string {
  return `${ref.tenantId}/${ref.clusterId}`;
}

/**
 * What the leading detector reads from MySQL and reuses briefly (the cluster list, and per cluster
 * its nodes and the last fences of the nodes that can have one), so that a tick does not read every
 * row every second. A new term starts empty: what an earlier term cached may be stale.
 */
export class DetectorCache {
  private clusterList: (ClusterList & { readonly atPerf: number }) | null = null;
  private readonly inventories = new Map<string, { readonly atPerf: number; readonly nodes: readonly NodeEntity[] }>();
  private readonly fences = new Map<string, { readonly atPerf: number; readonly ids: string; readonly fencedAtMs: ReadonlyMap<string, number> }>();

  constructor(
    private readonly db: DetectorStore,
    private readonly settings: DetectorSettings,
  ) {}

  clear(): void {
    this.inventories.clear();
    this.fences.clear();
    this.clusterList = null;
  }

  /** The watched clusters; `prune` hears the keys still watched when the list was read again. */
  async clusters(prune: (watched: ReadonlySet<string>) => void): Promise<ClusterList> {
    const cached = this.clusterList;
    if (cached && performance.now() - cached.atPerf < this.settings.clusterListTtlMs) return cached;
    const list = await this.db.listClusters();
    this.clusterList = { atPerf: performance.now(), ...list };
    // forget what belongs to clusters no longer watched (stopped, suspended, deleted)
    const watched = new Set(list.started.map(clusterKey));
    for (const key of [...this.inventories.keys(), ...this.fences.keys()]) if (!watched.has(key)) this.forget(key);
    prune(watched);
    return this.clusterList;
  }

  async nodesOf(scope: TenantScope, clusterId: string): Promise<readonly NodeEntity[]> {
    const key = `${scope.tenantId}/${clusterId}`;
    const cached = this.inventories.get(key);
    if (cached && performance.now() - cached.atPerf < this.settings.inventoryTtlMs) return cached.nodes;
    const nodes = await this.db.nodesOf(scope, clusterId);
    this.inventories.set(key, { atPerf: performance.now(), nodes });
    return nodes;
  }

  async fencesOf(scope: TenantScope, clusterId: string, nodeIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    if (nodeIds.length === 0) return new Map();
    const key = `${scope.tenantId}/${clusterId}`;
    const ids = [...nodeIds].sort().join(',');
    const cached = this.fences.get(key);
    if (cached && cached.ids === ids && performance.now() - cached.atPerf < this.settings.inventoryTtlMs) return cached.fencedAtMs;
    const fencedAtMs = await this.db.lastFences(scope, clusterId, nodeIds);
    this.fences.set(key, { atPerf: performance.now(), ids, fencedAtMs });
    return fencedAtMs;
  }

  /** Drops a cluster's nodes and fences (after a write: they may have changed). */
  forget(key: string): void {
    this.inventories.delete(key);
    this.fences.delete(key);
  }
}
