import * as Ops from '../generated/graphql.js';
import { abortError, OperationFailedError, TimeoutError } from '../errors.js';
import { type ListOptions, Paginated, splitListParams } from '../paginate.js';
import { anySignal, sleep } from '../signals.util.js';
import type { RequestOptions } from '../transport.js';
import type { Incident, Operation } from '../types.js';
import { type ActionOptions, Namespace } from './namespace.base.js';
import { isOperationFinished } from './operation-state.util.js';
import { SubscriptionsApi } from './subscriptions.api.js';

/** Options of {@link OperationsApi.wait}. */
export interface WaitForOperationOptions extends RequestOptions {
  /** Called with the operation at each change seen (state, progress, steps). */
  readonly onProgress?: (operation: Operation) => void;
  /** Give up after this long with a {@link TimeoutError} (the operation goes on). Default: 15 minutes. */
  readonly timeoutMs?: number;
  /** Follow it over the `operationUpdated` subscription (needs graphql-ws) instead of polling. */
  readonly live?: boolean;
  /** The longest interval between two polls (default 1000 ms); polling starts at 50 ms and grows by half each time up to it. */
  readonly pollIntervalMs?: number;
  /** Resolve with a FAILED or CANCELLED operation instead of rejecting with {@link OperationFailedError}. */
  readonly resolveOnFailure?: boolean;
}

/** Operations: what the actions (start, stop, relocate, ...) return, run by a worker. */
export class OperationsApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Operation> {
    return (await this.request(Ops.GetOperationDocument, { id }, options)).operation;
  }

  /** Operations of the tenant, newest first. */
  list(params?: Ops.OperationFilter & ListOptions, options?: ListOptions): Paginated<Operation> {
    const split = splitListParams<Ops.OperationFilter>(params, options);
    return this.paginate(Ops.ListOperationsDocument, { filter: split.filter }, (r) => r.operations, split.options);
  }

  /**
   * Waits until the operation ends and resolves with it (SUCCEEDED), or rejects with
   * {@link OperationFailedError} (FAILED, CANCELLED), {@link TimeoutError} after `timeoutMs`, or the
   * signal's reason. `onProgress` sees each change on the way.
   *
   * ```ts
   * const op = await client.services.relocate(serviceId, { targetNodeId });
   * await client.operations.wait(op.id, { onProgress: (o) => console.log(o.progress, o.steps.at(-1)?.name) });
   * ```
   */
  async wait(id: string, options: WaitForOperationOptions = {}): Promise<Operation> {
    const timeoutMs = options.timeoutMs ?? 15 * 60_000;
    let last: Operation | undefined;
    const seen = (op: Operation): Operation | undefined => {
      if (!last || op.updatedAt !== last.updatedAt || op.state !== last.state || op.progress !== last.progress) options.onProgress?.(op);
      last = op;
      if (!isOperationFinished(op)) return undefined;
      if (op.state !== 'SUCCEEDED' && !options.resolveOnFailure) throw new OperationFailedError(op);
      return op;
    };
    // the time limit starts after the first look: an operation that has already ended is
    // answered whatever `timeoutMs` says (only the caller's signal stops that first request)
    const timeout = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const signal = anySignal([options.signal, timeout.signal]);
    try {
      const updates = options.live ? new SubscriptionsApi(this.ctx).operationUpdated(id, { signal: signal.signal }) : this.poll(id, options.pollIntervalMs ?? 1000, signal.signal);
      for await (const op of updates) {
        const done = seen(op);
        if (done) return done;
        timer ??= setTimeout(() => timeout.abort(), timeoutMs);
      }
      // a live stream that ended without a final state (cannot happen with polling)
      return last ?? (await this.get(id, { signal: options.signal }));
    } catch (e) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (timeout.signal.aborted) throw new TimeoutError(`operation ${id} still ${last?.state ?? 'unknown'} after ${timeoutMs} ms`, { code: 'TIMEOUT', operation: last });
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      signal.clear();
    }
  }

  /**
   * Polls with a short, growing interval (50 ms, then x1.5 up to `maxIntervalMs`): most operations
   * end within seconds, and an operation that ends soon after it was looked at is seen soon after,
   * not a whole interval later; a long one costs about one request per `maxIntervalMs`.
   */
  private async *poll(id: string, maxIntervalMs: number, signal: AbortSignal): AsyncGenerator<Operation, void, undefined> {
    for (let interval = Math.min(50, maxIntervalMs); ; interval = Math.min(maxIntervalMs, interval * 1.5)) {
      const op = await this.get(id, { signal });
      yield op;
      if (isOperationFinished(op)) return;
      await sleep(interval, signal);
    }
  }
}

/** Incidents: one per host failure, with its fencing and the recovery of each service. */
export class IncidentsApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Incident> {
    return (await this.request(Ops.GetIncidentDocument, { id }, options)).incident;
  }

  /** Incidents of the tenant, newest first. */
  list(params?: Ops.IncidentFilter & ListOptions, options?: ListOptions): Paginated<Incident> {
    const split = splitListParams<Ops.IncidentFilter>(params, options);
    return this.paginate(Ops.ListIncidentsDocument, { filter: split.filter }, (r) => r.incidents, split.options);
  }

  /**
   * Attests that the node of an incident waiting for a failed fence is off, so recovery proceeds;
   * `note` (who checked, how) is logged with you. Never for a node you have not seen off.
   */
  confirmNodeFenced(incidentId: string, note: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.ConfirmNodeFencedDocument, { incidentId, note }, options, (r) => r.confirmNodeFenced);
  }

  /** Fences the incident's node again from its first level (its device was fixed). */
  retry(incidentId: string, options: ActionOptions & { readonly note?: string } = {}): Promise<Operation> {
    return this.act(Ops.RetryIncidentDocument, { incidentId, note: options.note ?? null }, options, (r) => r.retryIncident);
  }

  /** Stops the incident's recovery: its unsettled services are FAILED with `note`. */
  cancel(incidentId: string, note: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.CancelIncidentDocument, { incidentId, note }, options, (r) => r.cancelIncident);
  }
}
