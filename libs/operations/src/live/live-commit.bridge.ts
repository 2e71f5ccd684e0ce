import type { CommittedEvent, Store } from '@haaas/persistence';
import type { LiveSignalPublisher } from './live-signals';

/** The clusters of a committed transaction's events, each once (a transaction may log many events of one cluster). */
export function clustersOf(events: readonly CommittedEvent[]): { tenantId: string; clusterId: string }[] {
  const seen = new Map<string, { tenantId: string; clusterId: string }>();
  for (const e of events) seen.set(`${e.tenantId}\u0000${e.clusterId}`, { tenantId: e.tenantId, clusterId: e.clusterId });
  return [...seen.values()];
}

/**
 * Wakes the `clusterEvents` feeds of every replica right after a transaction that appended events
 * commits, whatever wrote it (API mutations, the detector, the recovery engine, failback,
 * operations): one PUBLISH per cluster per transaction. Never before the commit, so a woken feed
 * always reads the new rows; a lost or failed PUBLISH is covered by the feeds' poll.
 */
export class LiveCommitBridge {
  private stop: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly signals: LiveSignalPublisher,
  ) {}

  start(): void {
    // not awaited: the writer's transaction need not wait for Redis (a stuck Redis would slow every
    // writer by the Store's after-commit wait); the PUBLISH is sent now, and a failure is logged
    this.stop ??= this.store.observeCommits((events) => void this.publish(events));
  }

  close(): void {
    this.stop?.();
    this.stop = undefined;
  }

  private async publish(events: readonly CommittedEvent[]): Promise<void> {
    await Promise.all(clustersOf(events).map((c) => this.signals.clusterEventsOf(c.tenantId, c.clusterId)));
  }
}
