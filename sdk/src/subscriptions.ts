import { abortError, errorFromGraphQL, type GraphQLErrorPayload, HaaasError, NetworkError, UnauthenticatedError } from './errors.js';
import type { GraphQLDocument, RequestOptions, Transport } from './transport.js';
import { describeOperation, sleep } from './transport.js';

/**
 * What the SDK uses of a graphql-ws client. Declared here rather than imported: graphql-ws ships
 * separate typings for require and import, and the CommonJS build loads it with import().
 */
interface WsClient {
  iterate<T>(payload: { query: string; variables?: Record<string, unknown>; operationName?: string }): AsyncIterableIterator<{ data?: T | null; errors?: readonly GraphQLErrorPayload[] }>;
  dispose(): void | Promise<void>;
}

type CreateClient = (options: {
  url: string;
  webSocketImpl?: unknown;
  lazy?: boolean;
  retryAttempts?: number;
  connectionParams?: () => Promise<Record<string, unknown>>;
}) => WsClient;

export interface SubscriptionTransportOptions {
  /** ws:// or wss:// URL of the API's GraphQL endpoint. */
  readonly url: string;
  /** A WebSocket class where there is no global one (Node 20: `import WebSocket from 'ws'`). */
  readonly webSocketImpl?: unknown;
}

/** How a resumable subscription continues after its socket dropped (see {@link SubscriptionTransport.resuming}). */
export interface Resumption<TItem, TVariables> {
  /** The variables of the next (re)subscription, e.g. `after` the last item seen. */
  variables(last: TItem | undefined): TVariables;
  /** False for an item already delivered before a reconnection. */
  isNew(item: TItem, last: TItem | undefined): boolean;
  /** True when the stream ended because its subject did (not because of the token's expiry). */
  isFinished(last: TItem | undefined): boolean;
}

let graphqlWs: Promise<CreateClient> | undefined;

/** graphql-ws, loaded on first use: an optional peer dependency that only subscribers need. */
function loadGraphqlWs(): Promise<CreateClient> {
  graphqlWs ??= import('graphql-ws/client').then(
    (mod) => mod.createClient as CreateClient,
    (cause: unknown) => {
      graphqlWs = undefined;
      throw new HaaasError('subscriptions need the optional peer dependency graphql-ws (npm install graphql-ws)', { code: 'MISSING_DEPENDENCY', cause });
    },
  );
  return graphqlWs;
}

/**
 * GraphQL subscriptions over graphql-ws (the `graphql-transport-ws` protocol), authenticated with
 * the same token as HTTP (sent in `connectionParams`). Each subscription has its own socket, opened
 * when it starts and closed when it ends, so one subscription's reconnection (with a fresh token)
 * never disturbs another's.
 */
export class SubscriptionTransport {
  private readonly open = new Set<WsClient>();

  constructor(
    private readonly transport: Transport,
    private readonly options: SubscriptionTransportOptions,
  ) {}

  /**
   * One subscription, as an async iterator. Breaking out of the loop, or aborting the signal,
   * unsubscribes; GraphQL errors end it with their typed error; a dropped socket with a
   * {@link NetworkError}. No reconnection here: see {@link SubscriptionTransport.resuming}.
   */
  async *subscribe<TResult, TVariables>(
    document: GraphQLDocument<TResult, TVariables>,
    variables: TVariables,
    options: RequestOptions & { readonly refreshToken?: boolean } = {},
  ): AsyncGenerator<TResult, void, undefined> {
    if (options.signal?.aborted) throw abortError(options.signal);
    const createClient = await loadGraphqlWs();
    if (this.options.webSocketImpl === undefined && typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined') {
      // graphql-ws would say so in terms of its own createClient, which the caller never called
      throw new HaaasError('subscriptions need a WebSocket, and there is no global one here (Node 20 has none): pass the `webSocketImpl` option, e.g. `import WebSocket from \'ws\'`', { code: 'MISSING_DEPENDENCY' });
    }
    const refresh = options.refreshToken ?? false;
    const client = createClient({
      url: this.options.url,
      ...(this.options.webSocketImpl === undefined ? {} : { webSocketImpl: this.options.webSocketImpl }),
      lazy: true,
      // reconnecting is the caller's choice (resuming() does it, with the right `after`)
      retryAttempts: 0,
      connectionParams: async () => ({ ...this.transport.staticHeaders, authorization: `Bearer ${await this.transport.token(refresh)}` }),
    });
    this.open.add(client);
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
        if (options.signal?.aborted) throw abortError(options.signal, name);
        if (next.done) return;
        const { data, errors } = next.value;
        if (errors?.length) throw errorFromGraphQL(errors, { operationName: name });
        if (data) yield data;
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.open.delete(client);
      await iterator.return?.();
      await client.dispose();
    }
  }

  /**
   * A subscription that survives dropped sockets and token expiry (the API ends a stream when its
   * token expires): it subscribes again, with backoff, with a fresh token from a token callback
   * and with the variables `resumption` gives for the last item seen, skipping repeats. Typed
   * GraphQL errors (NOT_FOUND, FORBIDDEN, ...) end it; so do more failed reconnections in a row
   * than the client's `retry.retries`.
   */
  async *resuming<TResult, TVariables, TItem>(
    document: GraphQLDocument<TResult, TVariables>,
    pick: (result: TResult) => TItem,
    resumption: Resumption<TItem, TVariables>,
    options: RequestOptions = {},
  ): AsyncGenerator<TItem, void, undefined> {
    let last: TItem | undefined;
    let failures = 0;
    let refreshToken = false;
    while (true) {
      try {
        for await (const result of this.subscribe(document, resumption.variables(last), { signal: options.signal, refreshToken })) {
          const item = pick(result);
          failures = 0;
          refreshToken = false;
          if (!resumption.isNew(item, last)) continue;
          last = item;
          yield item;
        }
        if (resumption.isFinished(last)) return;
        // ended early: the token expired; subscribe again at once with a fresh one
        refreshToken = true;
        continue;
      } catch (e) {
        if (options.signal?.aborted) throw abortError(options.signal);
        if (e instanceof UnauthenticatedError && this.transport.refreshableToken && !refreshToken) {
          refreshToken = true;
          continue;
        }
        if (!(e instanceof NetworkError) || failures >= this.transport.retries) throw e;
      }
      try {
        await sleep(this.transport.backoff(failures++), options.signal);
      } catch (e) {
        throw options.signal?.aborted ? abortError(options.signal) : e;
      }
    }
  }

  /** Closes every open subscription socket. */
  async close(): Promise<void> {
    const clients = [...this.open];
    this.open.clear();
    await Promise.all(clients.map((c) => c.dispose()));
  }
}

/** graphql-ws ends a sink with GraphQL errors, a CloseEvent or an Error; each becomes a HaaasError. */
function subscriptionError(e: unknown, operationName: string | undefined): HaaasError {
  if (e instanceof HaaasError) return e;
  if (Array.isArray(e)) return errorFromGraphQL(e as GraphQLErrorPayload[], { operationName });
  const close = e as { code?: unknown; reason?: unknown } | null;
  if (typeof close?.code === 'number') {
    // graphql-ws closes with 4401 (unauthorized) and 4403 (forbidden) when the API refuses the connection
    const code = close.code === 4401 ? 'UNAUTHENTICATED' : close.code === 4403 ? 'FORBIDDEN' : undefined;
    const reason = typeof close.reason === 'string' && close.reason ? close.reason : `WebSocket closed (${close.code})`;
    if (code) return errorFromGraphQL([{ message: reason, extensions: { code } }], { operationName });
    return new NetworkError(reason, { code: 'NETWORK_ERROR', operationName, cause: e });
  }
  const message = e instanceof Error ? e.message : typeof (e as { type?: unknown })?.type === 'string' ? `WebSocket ${(e as { type: string }).type}` : String(e);
  return new NetworkError(message, { code: 'NETWORK_ERROR', operationName, cause: e });
}
