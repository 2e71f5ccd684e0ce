import { TenantScope } from '@haaas/domain';
import { OperationEntity, Store } from '@haaas/persistence';
import { isFinalOperationState } from '../operation.types';
import { AsyncQueue } from './async-queue';
import { LiveSignalListener, operationChannel } from './live-signals';

export interface OperationFeedOptions {
  /** Fallback poll while someone listens (default 2 s). */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * One per (tenant, operation) in this process: one primary-key read per wake-up, shared by its
 * subscribers, each of which remembers the last version it was sent.
 */
class OperationTap {
  readonly subscribers = new Map<AsyncQueue<OperationEntity>, number>();
  private reading = false;
  private again = false;
  private readonly timer: NodeJS.Timeout;
  private readonly stopListening: () => void;

  constructor(
    private readonly store: Store,
    private readonly scope: TenantScope,
    private readonly id: string,
    listener: LiveSignalListener,
    private readonly o: Required<OperationFeedOptions>,
  ) {
    this.stopListening = listener.listen(operationChannel(scope.tenantId, id), () => this.wake());
    this.timer = setInterval(() => this.wake(), o.pollMs);
    this.timer.unref();
  }

  wake(): void {
    void this.pump();
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
        const row = await this.store.repos.operations.findById(this.scope, this.id);
        for (const [queue, version] of [...this.subscribers]) {
          if (!row) {
            queue.end();
            continue;
          }
          if (row.version <= version) continue;
          this.subscribers.set(queue, row.version);
          queue.push(row);
          if (isFinalOperationState(row.state)) queue.end();
        }
      } while (this.again && this.subscribers.size > 0);
    } catch (err) {
      this.o.log(`operation ${this.id} read failed (retried on the next wake-up): ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.reading = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.stopListening();
  }
}

/**
 * Updates of one operation for `operationUpdated`: its state now, then each change (every step,
 * progress, the end), and the stream completes once the operation is final. Versions only grow,
 * so a subscriber never sees an older state after a newer one.
 */
export class OperationFeed {
  private readonly taps = new Map<string, OperationTap>();
  private readonly o: Required<OperationFeedOptions>;

  constructor(
    private readonly store: Store,
    private readonly listener: LiveSignalListener,
    options: OperationFeedOptions = {},
  ) {
    this.o = { pollMs: options.pollMs ?? 2000, log: options.log ?? (() => undefined) };
  }

  /** NOT_FOUND, before anything is sent, for another tenant's operation. */
  async subscribe(scope: TenantScope, id: string): Promise<AsyncQueue<OperationEntity>> {
    const current = await this.store.repos.operations.get(scope, id);
    if (isFinalOperationState(current.state)) {
      const done = new AsyncQueue<OperationEntity>(() => undefined);
      done.push(current);
      done.end();
      return done;
    }
    const key = `${scope.tenantId}\u0000${id}`;
    let tap = this.taps.get(key);
    if (!tap) {
      tap = new OperationTap(this.store, scope, id, this.listener, this.o);
      this.taps.set(key, tap);
    }
    const owner = tap;
    const queue: AsyncQueue<OperationEntity> = new AsyncQueue<OperationEntity>(() => {
      owner.subscribers.delete(queue);
      if (owner.subscribers.size === 0 && this.taps.get(key) === owner) {
        owner.stop();
        this.taps.delete(key);
      }
    });
    queue.push(current);
    owner.subscribers.set(queue, current.version);
    // a change between the read above and the tap listening would otherwise wait for the poll
    owner.wake();
    return queue;
  }

  close(): void {
    for (const tap of this.taps.values()) {
      for (const s of [...tap.subscribers.keys()]) s.end();
      tap.stop();
    }
    this.taps.clear();
  }
}
