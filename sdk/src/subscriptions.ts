import { errorFromGraphQL, type GraphQLErrorPayload, HaaasError, NetworkError } from './errors.js';
import type { GraphQLDocument, RequestOptions, Transport } from './transport.js';
import { describeOperation } from './transport.js';

/**
 * What the SDK uses of a graphql-ws client. Declared here rather than imported: graphql-ws ships
 * separate typings for require and import, and the CommonJS build loads it with import().
 */
interface WsClient {
  iterate<T>(payload: { query: string; variables?: Record<string, unknown>; operationName?: string }): AsyncIterableIterator<{ data?: T | null; errors?: readonly GraphQLErrorPayload[] }>;
  dispose(): void | Promise<void>;
}

export interface SubscriptionTransportOptions {
  /** ws:// or wss:// URL of the API's GraphQL endpoint. */
  readonly url: string;
  /** A WebSocket class where there is no global one (Node 20: `import WebSocket from 'ws'`). */
  readonly webSocketImpl?: unknown;
}

/**
 * GraphQL subscriptions over graphql-ws. graphql-ws is an optional peer dependency, loaded on the
 * first subscription only, so clients that never subscribe do not need it. One WebSocket is shared
 * by all subscriptions of a client; it connects lazily, reconnects with backoff, and closes when
 * the last subscription ends.
 */
export class SubscriptionTransport {
  private client: Promise<WsClient> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly options: SubscriptionTransportOptions,
  ) {}

  private connect(): Promise<WsClient> {
    this.client ??= (async () => {
      let mod;
      try {
        mod = await import('graphql-ws/client');
      } catch (cause) {
        this.client = undefined;
        throw new HaaasError('subscriptions need the optional peer dependency graphql-ws (npm install graphql-ws)', { code: 'MISSING_DEPENDENCY', cause });
      }
      const client: WsClient = mod.createClient({
        url: this.options.url,
        ...(this.options.webSocketImpl === undefined ? {} : { webSocketImpl: this.options.webSocketImpl }),
        lazy: true,
        // asked on every (re)connect, so a refreshed token is used after a reconnect
        connectionParams: async () => ({ ...this.transport.staticHeaders, authorization: `Bearer ${await this.transport.token()}` }),
        retryAttempts: 5,
      });
      return client;
    })();
    return this.client;
  }

  /**
   * The events of one subscription as an async iterator. Breaking out of the loop (or aborting the
   * signal) unsubscribes. GraphQL errors end it with the typed error of their code.
   */
  async *subscribe<TResult, TVariables>(document: GraphQLDocument<TResult, TVariables>, variables: TVariables, options: RequestOptions = {}): AsyncGenerator<TResult, void, undefined> {
    options.signal?.throwIfAborted();
    const client = await this.connect();
    const query = document.toString();
    const { name } = describeOperation(query);
    const iterator = client.iterate<TResult>({ query, variables: (variables ?? {}) as Record<string, unknown>, ...(name ? { operationName: name } : {}) });
    const onAbort = (): void => void iterator.return?.();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (true) {
        let next: IteratorResult<{ data?: TResult | null; errors?: readonly GraphQLErrorPayload[] }>;
        try {
          next = await iterator.next();
        } catch (e) {
          throw subscriptionError(e, name);
        }
        if (options.signal?.aborted) throw options.signal.reason;
        if (next.done) return;
        const { data, errors } = next.value;
        if (errors?.length) throw errorFromGraphQL(errors, { operationName: name });
        if (data) yield data;
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await iterator.return?.();
    }
  }

  /** Closes the WebSocket (ending every subscription). */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await (await client.catch(() => undefined))?.dispose();
  }
}

/** graphql-ws ends a sink with GraphQL errors, a CloseEvent or an Error; each becomes a HaaasError. */
function subscriptionError(e: unknown, operationName: string | undefined): HaaasError {
  if (e instanceof HaaasError) return e;
  if (Array.isArray(e)) return errorFromGraphQL(e as GraphQLErrorPayload[], { operationName });
  const close = e as { code?: unknown; reason?: unknown };
  if (typeof close?.code === 'number') {
    // 4401/4403 are graphql-ws's Unauthorized/Forbidden close codes
    const code = close.code === 4401 ? 'UNAUTHENTICATED' : close.code === 4403 ? 'FORBIDDEN' : undefined;
    const reason = typeof close.reason === 'string' && close.reason ? close.reason : `WebSocket closed (${close.code})`;
    if (code) return errorFromGraphQL([{ message: reason, extensions: { code } }], { operationName });
    return new NetworkError(reason, { code: 'NETWORK_ERROR', operationName, cause: e });
  }
  return new NetworkError(e instanceof Error ? e.message : String(e), { code: 'NETWORK_ERROR', operationName, cause: e });
}
