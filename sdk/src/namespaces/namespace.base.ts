import { type Connection, type ListOptions, Paginated, toPage } from '../paginate.js';
import type { SubscriptionTransport } from '../subscriptions.js';
import { newIdempotencyKey } from '../signals.util.js';
import type { GraphQLDocument, InternalRequestOptions, RequestOptions, Transport } from '../transport.js';
import type { Operation } from '../types.js';

/**
 * What the namespaces share: the transport and the default page size.
 * @internal
 */
export interface NamespaceContext {
  readonly transport: Transport;
  readonly live: SubscriptionTransport;
  readonly pageSize: number;
}

/** Options of the actions (startCluster, relocateService, ...), which return an {@link Operation}. */
export interface ActionOptions extends RequestOptions {
  /**
   * Sent with the request so that a repeat returns the operation of the first request instead of a
   * second one (1-80 printable ASCII characters, per tenant). The SDK makes one when none is given,
   * which is what lets it retry an action after a network error: the API deduplicates it.
   */
  readonly idempotencyKey?: string;
}

/** `force` of the destructive mutations that have one. */
export interface ForceOptions extends RequestOptions {
  /** Go ahead although the object is in use (see each method). */
  readonly force?: boolean;
}

/** The base of every namespace: requests, idempotent actions and lazily paged lists. */
export abstract class Namespace {
  /** @internal namespaces are made by {@link HaaasClient} */
  constructor(protected readonly ctx: NamespaceContext) {}

  protected request<R, V>(document: GraphQLDocument<R, V>, variables: V, options?: InternalRequestOptions): Promise<R> {
    return this.ctx.transport.request(document, variables, options);
  }

  /** An action: with an idempotency key (the caller's or a new one), so retrying it is safe. */
  protected async act<R, V>(document: GraphQLDocument<R, V>, variables: Omit<V, 'idempotencyKey'>, options: ActionOptions, pick: (r: R) => Operation): Promise<Operation> {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    return pick(await this.request(document, { ...variables, idempotencyKey } as V, { signal: options.signal, idempotent: true }));
  }

  /** A lazily paged list over one connection-returning query. */
  protected paginate<R, V extends { first: number; after?: string | null | undefined }, T>(
    document: GraphQLDocument<R, V>,
    variables: Omit<V, 'first' | 'after'>,
    pick: (result: R) => Connection<T>,
    options: ListOptions,
  ): Paginated<T> {
    return new Paginated<T>(
      async ({ first, after, signal }) => toPage(pick(await this.request(document, { ...variables, first, after } as V, { signal }))),
      { ...options, pageSize: options.pageSize ?? this.ctx.pageSize },
    );
  }
}
