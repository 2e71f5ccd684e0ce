import { Inject, Injectable, Logger } from '@nestjs/common';
import { Store } from '@haaas/persistence';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WEBHOOK_OPTIONS, type WebhooksOptions } from './webhooks.tokens';

/** A delivery still PENDING this long after it was written has lost its job (the after-commit enqueue takes milliseconds). */
const STRANDED_AFTER_MS = 60_000;
const BATCH = 500;

/**
 * The outbox's safety net: a process that crashed between the commit that wrote deliveries and
 * the queueing of their jobs left them PENDING with no job. The sweeper queues every PENDING
 * delivery older than a minute again; a delivery whose job still exists (waiting, retrying,
 * running) is not queued twice, since a delivery's job id is its row's (BullMQ ignores the add).
 * Safe in any number of workers at once, for the same reason.
 */
@Injectable()
export class WebhookOutboxSweeper {
  private readonly log = new Logger('Webhooks');

  constructor(
    private readonly store: Store,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhooksOptions,
  ) {}

  /** Queues the stranded deliveries; returns how many PENDING ones it (re)queued. Never throws. */
  async sweep(now = new Date()): Promise<number> {
    try {
      const rows = await this.store.repos.outbox.pendingBefore(new Date(now.getTime() - (this.options.strandedAfterMs ?? STRANDED_AFTER_MS)), BATCH);
      const byTenant = new Map<string, string[]>();
      for (const r of rows) byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r.id]);
      for (const [tenantId, ids] of byTenant) await this.dispatcher.enqueue(tenantId, ids);
      if (rows.length > 0) this.log.debug({ msg: `outbox sweep: ${rows.length} PENDING deliveries queued again (jobs that exist are left as they are)`, pending: rows.length });
      return rows.length;
    } catch (err) {
      this.log.warn(`outbox sweep failed (next pass retries): ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    }
  }
}
