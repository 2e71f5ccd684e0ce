import type { HeartbeatReport, NodeAgentIdentity } from './heartbeat.types';

/** One cluster's share of a flush: its beats leave in one script call (one slot: the keys share a hash tag). */
export interface ClusterBeats {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly beats: readonly { readonly nodeId: string; readonly report: HeartbeatReport }[];
}

/** Writes one cluster's beats atomically; resolves with the time they were seen (Redis's clock, ms). */
export type WriteClusterBeats = (group: ClusterBeats) => Promise<number>;

interface Waiting {
  readonly nodeId: string;
  readonly report: HeartbeatReport;
  readonly resolve: (seenAt: number) => void;
  readonly reject: (err: unknown) => void;
}

interface Group {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly waiting: Waiting[];
}

/**
 * Gathers the heartbeats that arrive in one event-loop turn (or until `maxBeats` are waiting) and
 * writes them as one script call per cluster: thousands of nodes at 1 Hz cost Redis and the API a
 * few commands per turn instead of one per beat, and the calls of one flush leave in one write
 * (the heartbeats connection auto-pipelines). Each beat's promise settles only when its cluster's
 * write did: a caller that answers 2xx after it knows the beat is stored; a failed write fails
 * every beat of that cluster's call (the agents retry) and no other.
 *
 * Written here rather than taken from a library: a "dataloader" batches reads by key and caches
 * them; this batches writes, groups them by Redis slot and must not cache anything.
 */
export class HeartbeatBatch {
  private groups = new Map<string, Group>();
  private waiting = 0;
  private scheduled = false;

  constructor(
    private readonly write: WriteClusterBeats,
    private readonly maxBeats: number,
  ) {}

  add(node: NodeAgentIdentity, report: HeartbeatReport): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const key = `${node.tenantId}/${node.clusterId}`;
      let group = this.groups.get(key);
      if (!group) {
        group = { tenantId: node.tenantId, clusterId: node.clusterId, waiting: [] };
        this.groups.set(key, group);
      }
      group.waiting.push({ nodeId: node.nodeId, report, resolve, reject });
      this.waiting += 1;
      if (this.waiting >= this.maxBeats) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // after the I/O callbacks of this turn: the beats parsed from every socket read so far are in
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Writes what waits; a flush at maxBeats leaves the turn's scheduled one pending for the beats after it. */
  private flush(): void {
    if (this.waiting === 0) return;
    const groups = this.groups;
    this.groups = new Map();
    this.waiting = 0;
    for (const g of groups.values()) {
      let written: Promise<number>;
      try {
        written = this.write({ tenantId: g.tenantId, clusterId: g.clusterId, beats: g.waiting });
      } catch (err) {
        written = Promise.reject(err);
      }
      written.then(
        (seenAt) => g.waiting.forEach((w) => w.resolve(seenAt)),
        (err: unknown) => g.waiting.forEach((w) => w.reject(err)),
      );
    }
  }
}
