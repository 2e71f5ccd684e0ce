import * as Ops from '../generated/graphql.js';
import { abortError, HaaasError, NetworkError, OperationFailedError, TimeoutError } from '../errors.js';
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
  /**
   * How to follow it after the first look. Default: live, over the `operationUpdated` subscription,
   * falling back to polling when subscriptions cannot be used here (no graphql-ws, no WebSocket,
   * or the API's WebSocket endpoint cannot be reached after the client's retries). `true`: live
   * only (those cases reject). `false`: polling only.
   */
  readonly live?: boolean;
  /** Polling: the longest interval between two polls (default 1000 ms); polling starts at 50 ms and grows by half each time up to it. */
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
   * signal's reason. It looks once at once (an operation that has already ended is answered,
   * whatever `timeoutMs` says), then follows the operation live (see `live`). `onProgress` sees
   * each change on the way.
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
    const timeout = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const signal = anySignal([options.signal, timeout.signal]);
    try {
      // the first look, before the time limit starts (only the caller's signal stops it)
      const now = seen(await this.get(id, { signal: options.signal }));
      if (now) return now;
      timer = setTimeout(() => timeout.abort(), timeoutMs);
      for await (const op of this.follow(id, options, signal.signal)) {
        const done = seen(op);
        if (done) return done;
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
   * The operation's changes after the first look: over the subscription (its first item is the
   * state again, so nothing between the look and the subscription is missed), or by polling when
   * `live: false`, or when the subscription transport is unavailable and `live` was not required.
   */
  private async *follow(id: string, options: WaitForOperationOptions, signal: AbortSignal): AsyncGenerator<Operation, void, undefined> {
    if (options.live !== false) {
      try {
        yield* new SubscriptionsApi(this.ctx).operationUpdated(id, { signal });
        return;
      } catch (e) {
        if (options.live === true || signal.aborted || !subscriptionUnavailable(e)) throw e;
      }
    }
    yield* this.poll(id, options.pollIntervalMs ?? 1000, signal);
  }

  /**
   * Polls with a short, growing interval (50 ms, then x1.5 up to `maxIntervalMs`): most operations
   * end within seconds, and an operation that ends soon after it was looked at is seen soon after,
   * not a whole interval later; a long one costs about one request per `maxIntervalMs`.
   */
  private async *poll(id: string, maxIntervalMs: number, signal: AbortSignal): AsyncGenerator<Operation, void, undefined> {
    for (let interval = Math.min(50, maxIntervalMs); ; interval = Math.min(maxIntervalMs, interval * 1.5)) {
      await sleep(interval, signal);
      const op = await this.get(id, { signal });
      yield op;
      if (isOperationFinished(op)) return;
    }
  }
}

/**
 * The subscription cannot be used here: graphql-ws or a WebSocket is missing, or the socket could
 * not be kept up through the client's retries. Typed answers of the API (NOT_FOUND, FORBIDDEN,
 * UNAUTHENTICATED) are not that: they would be the same over HTTP.
 */
function subscriptionUnavailable(e: unknown): boolean {
  return e instanceof NetworkError || (e instanceof HaaasError && e.code === 'MISSING_DEPENDENCY');
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
