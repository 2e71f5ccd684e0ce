import { TenantScope } from '@haaas/domain';
import { EventEntity, Store } from '@haaas/persistence';
import { AsyncQueue } from './async-queue';
import { clusterEventsChannel, LiveSignalListener, tenantEventsChannel } from './live-signals';
import { uuidv7Floor, uuidv7Ms } from './uuidv7.util';

export interface LiveFeedOptions {
  /** Fallback poll while someone listens, for writers that send no wake-up (default 2 s). */
  readonly pollMs?: number;
  /**
   * How far back each read looks again behind the newest event seen (default 5 s). Event ids are
   * minted by the writer before its transaction commits, so a transaction that commits late, or a
   * replica whose clock is a little behind, adds an event with a smaller id than one already
   * delivered; reading the window again (and skipping ids already sent) delivers it anyway.
   */
  readonly overlapMs?: number;
  /** Events queued for one slow subscriber before it is ended (default 1000). */
  readonly bufferLimit?: number;
  readonly log?: (line: string) => void;
}

const PAGE = 500;

/**
 * One tap per (tenant, cluster) in this process, shared by every subscriber of that cluster: one
 * indexed read per wake-up whatever the number of subscribers. It remembers the ids it delivered
 * within the overlap window, so nothing is sent twice.
 */
/** A subscriber; while it replays older events, live ones are held back so that order is kept. */
interface Subscriber {
  readonly queue: AsyncQueue<EventEntity>;
  held: EventEntity[] | null;
  /** Ids the replay sent: the tap may read them too, within its overlap window. */
  replayed: ReadonlySet<string> | null;
}

class ClusterTap {
  readonly subscribers = new Set<Subscriber>();
  private readonly seen = new Map<string, number>();
  private newestMs = 0;
  readonly ready: Promise<void>;
  private reading = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly scope: TenantScope,
    readonly clusterId: string,
    listener: LiveSignalListener,
    private readonly o: Required<LiveFeedOptions>,
  ) {
    // listen first, then take the starting point: a wake-up in between only causes one more read
    const stopCluster = listener.listen(clusterEventsChannel(scope.tenantId, clusterId), () => this.wake());
    const stopTenant = listener.listen(tenantEventsChannel(scope.tenantId), () => this.wake());
    this.stopListening = () => {
      stopCluster();
      stopTenant();
    };
    this.ready = this.start();
    // a failed start is reported to the subscribers awaiting `ready`; nothing else may see it unhandled
    this.ready.catch(() => undefined);
    this.timer = setInterval(() => this.wake(), o.pollMs);
    this.timer.unref();
  }

  /** Subscribers see only what is appended after they subscribed: the window's events count as seen. */
  private async start(): Promise<void> {
    const latest = await this.store.repos.events.page(this.scope, { clusterId: this.clusterId }, { first: 1, direction: 'DESC' });
    const newest = latest.rows[0];
    if (!newest) return;
    this.newestMs = uuidv7Ms(newest.id) ?? Date.now();
    await this.read(false);
  }

  wake(): void {
    this.ready.then(
      () => this.pump(),
      () => undefined,
    );
  }

  private async pump(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        await this.read(true);
      } while (this.again && this.subscribers.size > 0);
    } catch (err) {
      this.o.log(`cluster ${this.clusterId} log read failed (retried on the next wake-up): ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.reading = false;
    }
  }

  private async read(deliver: boolean): Promise<void> {
    let after = this.newestMs > 0 ? uuidv7Floor(this.newestMs - this.o.overlapMs) : null;
    for (;;) {
      const page = await this.store.repos.events.page(this.scope, { clusterId: this.clusterId }, { first: PAGE, after, direction: 'ASC' });
      for (const e of page.rows) {
        if (this.seen.has(e.id)) continue;
        const ms = uuidv7Ms(e.id) ?? Date.now();
        this.seen.set(e.id, ms);
        if (ms > this.newestMs) this.newestMs = ms;
        if (!deliver) continue;
        for (const s of this.subscribers) {
          if (s.replayed?.has(e.id)) continue;
          if (s.held) s.held.push(e);
          else s.queue.push(e);
        }
      }
      const last = page.rows[page.rows.length - 1];
      if (!page.hasNextPage || !last) break;
      after = last.id;
    }
    const horizon = this.newestMs - this.o.overlapMs;
    for (const [id, ms] of this.seen) if (ms < horizon) this.seen.delete(id);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
  }
}

/**
 * The cluster log as it is appended, for `clusterEvents` subscriptions, on any API replica
 * whatever process appended the events: MySQL is the source (tenant-scoped, ordered by id), Redis
 * wake-ups make it prompt, a slow poll makes it complete.
 */
export class ClusterEventFeed {
  private readonly taps = new Map<string, ClusterTap>();
  private readonly o: Required<LiveFeedOptions>;

  constructor(
    private readonly store: Store,
    private readonly listener: LiveSignalListener,
    options: LiveFeedOptions = {},
  ) {
    this.o = {
      pollMs: options.pollMs ?? 2000,
      overlapMs: options.overlapMs ?? 5000,
      bufferLimit: options.bufferLimit ?? 1000,
      log: options.log ?? (() => undefined),
    };
  }

  /**
   * Events of a cluster appended from now on, or, with `after` (an event id the client has seen,
   * e.g. the newest of `clusterLog`), every event after it and then the live ones, without a gap
   * or a duplicate: how a client that reconnects resumes. NOT_FOUND, before anything is sent, for
   * another tenant's cluster.
   */
  async subscribe(scope: TenantScope, clusterId: string, after: string | null = null): Promise<AsyncQueue<EventEntity>> {
    await this.store.repos.clusters.get(scope, clusterId);
    const key = `${scope.tenantId}\u0000${clusterId}`;
    let tap = this.taps.get(key);
    if (!tap) {
      tap = new ClusterTap(this.store, scope, clusterId, this.listener, this.o);
      this.taps.set(key, tap);
    }
    const owner = tap;
    const queue: AsyncQueue<EventEntity> = new AsyncQueue<EventEntity>(() => {
      owner.subscribers.delete(subscriber);
      if (owner.subscribers.size === 0 && this.taps.get(key) === owner) {
        owner.stop();
        this.taps.delete(key);
      }
    }, this.o.bufferLimit);
    const subscriber: Subscriber = { queue, held: after === null ? null : [], replayed: null };
    tap.subscribers.add(subscriber);
    try {
      await tap.ready;
      if (after !== null) await this.replay(scope, clusterId, after, subscriber);
    } catch (err) {
      queue.fail(err);
      throw err;
    }
    return queue;
  }

  /** Sends what the log holds after `after`, then what the tap held back meanwhile, skipping repeats. */
  private async replay(scope: TenantScope, clusterId: string, after: string, subscriber: Subscriber): Promise<void> {
    const sent = new Set<string>();
    let cursor = after;
    for (;;) {
      const page = await this.store.repos.events.page(scope, { clusterId }, { first: PAGE, after: cursor, direction: 'ASC' });
      if (sent.size + page.rows.length > this.o.bufferLimit) {
        throw new Error(`more than ${this.o.bufferLimit} events after ${after}: read them with clusterLog, then subscribe after the newest`);
      }
      for (const e of page.rows) {
        sent.add(e.id);
        subscriber.queue.push(e);
      }
      const last = page.rows[page.rows.length - 1];
      if (!page.hasNextPage || !last) break;
      cursor = last.id;
    }
    const held = subscriber.held ?? [];
    subscriber.held = null;
    subscriber.replayed = sent;
    for (const e of held) if (!sent.has(e.id) && e.id > after) subscriber.queue.push(e);
  }

  /** Taps open now (clusters with at least one subscriber in this process). */
  get openTaps(): number {
    return this.taps.size;
  }

  close(): void {
    for (const tap of this.taps.values()) {
      for (const s of [...tap.subscribers]) s.queue.end();
      tap.stop();
    }
    this.taps.clear();
  }
}
