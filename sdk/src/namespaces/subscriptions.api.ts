import * as Ops from '../generated/graphql.js';
import type { RequestOptions } from '../transport.js';
import type { ClusterEvent, Operation } from '../types.js';
import { Namespace } from './namespace.base.js';
import { isOperationFinished } from './operation-state.util.js';

/**
 * Live updates over graphql-ws (an optional peer dependency: `npm install graphql-ws`; in Node 20
 * pass `webSocketImpl` from `ws`). Both survive dropped connections and token expiry: they
 * reconnect with backoff and a fresh token, and resume without gaps or repeats.
 */
export class SubscriptionsApi extends Namespace {
  /**
   * The cluster log as it is appended. With `after` (an event id, e.g. the newest of
   * `events.list()`), the events after it come first, then the live ones.
   *
   * ```ts
   * for await (const event of client.subscriptions.clusterEvents({ clusterId })) console.log(event.type);
   * ```
   */
  clusterEvents(params: { readonly clusterId: string; readonly after?: string | null } & RequestOptions, options: RequestOptions = {}): AsyncGenerator<ClusterEvent, void, undefined> {
    const { clusterId, after = null } = params;
    const signal = options.signal ?? params.signal;
    // the API writes only the catalogue's types, each with its object type (ClusterEvent's pairing)
    return this.ctx.live.resuming(
      Ops.ClusterEventsDocument,
      (r) => r.clusterEvents as ClusterEvent,
      {
        // resume after the last event delivered; ids are time-ordered UUIDv7, so a repeat is one not greater than it
        variables: (last) => ({ clusterId, after: last?.id ?? after }),
        isNew: (event, last) => !last || event.id > last.id,
        isFinished: () => false,
      },
      { signal },
    );
  }

  /** The operation now, then at each change; ends when the operation does. */
  operationUpdated(id: string, options: RequestOptions = {}): AsyncGenerator<Operation, void, undefined> {
    return this.ctx.live.resuming(
      Ops.OperationUpdatedDocument,
      (r) => r.operationUpdated,
      {
        variables: () => ({ id }),
        // after a reconnection the API sends the current state again: skip it when nothing changed
        isNew: (op, last) => !last || op.updatedAt !== last.updatedAt || op.state !== last.state || op.progress !== last.progress,
        isFinished: (last) => last !== undefined && isOperationFinished(last),
      },
      options,
    );
  }
}
