import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { errorFromGraphQL, type GraphQLErrorPayload, HaaasError, NetworkError, UnauthenticatedError } from './errors.js';

/**
 * A document the client can send: the generated `TypedDocumentString`s, or any query string
 * decorated with its result and variables types (e.g. from GraphQL Code Generator's client preset).
 */
export type GraphQLDocument<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & { toString(): string };

/** What the SDK needs of `fetch`; the global `fetch` of Node 20+ and browsers fits. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal | undefined },
) => Promise<ResponseLike>;

/** What the SDK reads of a fetch `Response`. */
export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** Passed to a token callback. */
export interface TokenContext {
  /** True when the API refused the previous token (UNAUTHENTICATED): return a fresh one, not a cached one. */
  readonly refresh: boolean;
}

/** A static bearer token, or a callback asked before each request (cache inside it; refresh when `refresh` is true). */
export type TokenProvider = string | ((context: TokenContext) => string | Promise<string>);

/**
 * Retries of queries after network errors, HTTP 5xx/429 and INTERNAL_SERVER_ERROR answers, with
 * exponential backoff and jitter. Mutations are never retried: a failed mutation may have been
 * applied, and repeating it blindly could apply it twice.
 */
export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables). */
  readonly retries?: number;
  /** Delay before the first retry, doubled each time (default 200 ms). */
  readonly minDelayMs?: number;
  /** Upper bound of one delay (default 5000 ms); a `Retry-After` header may ask for longer, up to 60 s. */
  readonly maxDelayMs?: number;
}

/** Options of one call. */
export interface RequestOptions {
  /** Aborts the call (and its retries); the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/** @internal options the namespaces add to a request */
export interface InternalRequestOptions extends RequestOptions {
  /**
   * The mutation carries an idempotency key, so the API answers a repeat with the result of the
   * first request: it may be retried like a query.
   */
  readonly idempotent?: boolean;
}

export interface TransportOptions {
  readonly endpoint: string;
  readonly token: TokenProvider;
  readonly fetch?: FetchLike | undefined;
  readonly retry?: RetryOptions | false | undefined;
  readonly timeoutMs?: number | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly tenant?: string | undefined;
  readonly tokenKind?: TokenKind | undefined;
}

/** What the token is: a HAaaS JWT (`Authorization: Bearer`) or a Keystone token (`X-Auth-Token`). */
export type TokenKind = 'jwt' | 'keystone';

/** The header that carries a token of this kind. */
export function authHeader(kind: TokenKind | undefined, token: string): Record<string, string> {
  return kind === 'keystone' ? { 'x-auth-token': token } : { authorization: `Bearer ${token}` };
}

export type OperationKind = 'query' | 'mutation' | 'subscription';

interface GraphQLResponseBody {
  readonly data?: unknown;
  readonly errors?: readonly GraphQLErrorPayload[];
}

/** Sends GraphQL requests over HTTP POST: token, tenant header, timeouts, retries and typed errors. */
export class Transport {
  readonly endpoint: string;
  private readonly fetchFn: FetchLike;
  private readonly retry: Required<RetryOptions>;
  private readonly timeoutMs: number;

  constructor(private readonly options: TransportOptions) {
    this.endpoint = options.endpoint;
    const globalFetch: FetchLike | undefined = typeof globalThis.fetch === 'function' ? (url, init) => globalThis.fetch(url, init) : undefined;
    const fetchFn = options.fetch ?? globalFetch;
    if (!fetchFn) throw new TypeError('HaaasClient: no global fetch here; pass the `fetch` option');
    this.fetchFn = fetchFn;
    const r = options.retry === false ? { retries: 0 } : (options.retry ?? {});
    this.retry = { retries: r.retries ?? 3, minDelayMs: r.minDelayMs ?? 200, maxDelayMs: r.maxDelayMs ?? 5000 };
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** @internal retries allowed for reads (and for reconnecting subscriptions) */
  get retries(): number {
    return this.retry.retries;
  }

  /** True when the token comes from a callback, which can be asked for a fresh one. */
  get refreshableToken(): boolean {
    return typeof this.options.token === 'function';
  }

  /** The token to send now (asks the callback, if one was given). */
  async token(refresh = false): Promise<string> {
    const t = this.options.token;
    return typeof t === 'string' ? t : await t({ refresh });
  }

  /** Headers every request carries besides the token: the caller's own and the admin tenant header. */
  get staticHeaders(): Record<string, string> {
    return { ...this.options.headers, ...(this.options.tenant ? { 'x-haaas-tenant': this.options.tenant } : {}) };
  }

  /** How the token travels: `Authorization: Bearer` (JWT) or `X-Auth-Token` (Keystone). */
  get tokenKind(): TokenKind {
    return this.options.tokenKind ?? 'jwt';
  }

  /** The options, for a derived transport (another tenant). */
  with(changes: Partial<TransportOptions>): Transport {
    return new Transport({ ...this.options, ...changes });
  }

  async request<TResult, TVariables>(document: GraphQLDocument<TResult, TVariables>, variables: TVariables | undefined, options: InternalRequestOptions = {}): Promise<TResult> {
    const query = document.toString();
    const { kind, name } = describeOperation(query);
    // queries read only, so repeating one is safe; a mutation is repeated only when it carries an
    // idempotency key (the API then returns the first result); any other gets exactly one attempt
    const retries = kind === 'query' || options.idempotent ? this.retry.retries : 0;
    const body = JSON.stringify({ query, variables: variables ?? {}, ...(name ? { operationName: name } : {}) });
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      const outcome = await this.attempt(body, options.idempotent ? 'query' : kind, name, refreshed, options.signal);
      if (outcome.ok) return outcome.data as TResult;
      const error = outcome.error;
      // the API refuses a bad token before running anything, so one retry with a fresh token is safe even for a mutation
      if (error instanceof UnauthenticatedError && typeof this.options.token === 'function' && !refreshed) {
        refreshed = true;
        attempt--;
        continue;
      }
      if (!outcome.retriable || attempt >= retries) throw error;
      await sleep(this.backoff(attempt, outcome.retryAfterMs), options.signal);
    }
  }

  private async attempt(
    body: string,
    kind: OperationKind,
    operationName: string | undefined,
    refresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: true; data: unknown } | { ok: false; error: HaaasError; retriable: boolean; retryAfterMs?: number | undefined }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...this.staticHeaders,
      ...authHeader(this.options.tokenKind, await this.token(refresh)),
    };
    const timeout = timeoutSignal(this.timeoutMs);
    const combined = anySignal([signal, timeout.signal]);
    let response: ResponseLike;
    let text: string;
    try {
      response = await this.fetchFn(this.endpoint, { method: 'POST', headers, body, signal: combined.signal });
      text = await response.text();
    } catch (cause) {
      // the caller's own abort is not a network error: rethrow its reason as is
      if (signal?.aborted) throw signal.reason;
      const timedOut = timeout.signal.aborted;
      const message = timedOut ? `no answer from ${this.endpoint} within ${this.timeoutMs} ms` : `cannot reach ${this.endpoint}: ${errorMessage(cause)}`;
      return {
        ok: false,
        retriable: true,
        error: new NetworkError(kind === 'mutation' ? `${message} (the mutation may or may not have been applied)` : message, {
          code: 'NETWORK_ERROR',
          cause,
          operationName,
          outcomeUnknown: kind === 'mutation',
        }),
      };
    } finally {
      timeout.clear();
      combined.clear();
    }
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const parsed = parseBody(text);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (parsed && (parsed.errors?.length || parsed.data)) {
      if (parsed.errors?.length) {
        const error = errorFromGraphQL(parsed.errors, { requestId, operationName });
        return { ok: false, error, retriable: error.code === 'INTERNAL_SERVER_ERROR' || response.status >= 500, retryAfterMs };
      }
      return { ok: true, data: parsed.data };
    }
    const status = response.status;
    const transient = status >= 500 || status === 429;
    return {
      ok: false,
      retriable: transient,
      retryAfterMs,
      error: new NetworkError(`${this.endpoint} answered HTTP ${status} without a GraphQL response`, {
        code: 'NETWORK_ERROR',
        requestId,
        operationName,
        status,
        // a 5xx from a proxy may come after the API applied the mutation
        outcomeUnknown: kind === 'mutation' && transient,
      }),
    };
  }

  /** @internal the delay before retry number `attempt` (0-based), also used by subscriptions to reconnect */
  backoff(attempt: number, retryAfterMs?: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.minDelayMs * 2 ** attempt);
    // half fixed, half random: spreads clients that failed together without collapsing to zero
    const delay = exp / 2 + Math.random() * (exp / 2);
    return retryAfterMs === undefined ? delay : Math.max(delay, Math.min(retryAfterMs, 60_000));
  }
}

/**
 * The kind and name of the first operation of a document. A small scan instead of `graphql`'s
 * parser, which the SDK does not ship: it skips comments, strings and fragments at the top level.
 */
export function describeOperation(document: string): { kind: OperationKind; name: string | undefined } {
  let depth = 0;
  for (let i = 0; i < document.length; i++) {
    const c = document[i];
    if (c === '#') {
      while (i < document.length && document[i] !== '\n') i++;
    } else if (c === '"') {
      const block = document.startsWith('"""', i);
      const end = block ? document.indexOf('"""', i + 3) : findStringEnd(document, i + 1);
      i = end < 0 ? document.length : end + (block ? 2 : 0);
    } else if (c === '{' || c === '(' || c === '[') {
      // a `{` at the top level is the shorthand form of a query
      if (depth === 0 && c === '{') return { kind: 'query', name: undefined };
      depth++;
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
    } else if (depth === 0 && /[A-Za-z_]/.test(c ?? '')) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(document.slice(i))?.[0] ?? '';
      if (word === 'query' || word === 'mutation' || word === 'subscription') {
        const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(document.slice(i + word.length))?.[1];
        return { kind: word, name };
      }
      if (word === 'fragment') {
        // skip the whole fragment: to the end of its selection set
        const open = document.indexOf('{', i);
        i = open < 0 ? document.length : matchingBrace(document, open);
        continue;
      }
      i += word.length - 1;
    }
  }
  return { kind: 'query', name: undefined };
}

function findStringEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return s.length;
}

function parseBody(text: string): GraphQLResponseBody | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as GraphQLResponseBody) : undefined;
  } catch {
    return undefined;
  }
}

function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ...) is in `cause`
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}

/** A fresh idempotency key: a UUID where the platform has one (Node 20+, browsers on https), else random enough. */
export function newIdempotencyKey(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  return uuid ?? `sdk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal aborted after `ms`, with a clear() that stops its timer (AbortSignal.timeout's timer cannot be stopped). */
function timeoutSignal(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** A signal aborted when any of the given ones is; clear() detaches the listeners. */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  const onAbort = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  for (const s of present) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: controller.signal, clear: () => present.forEach((s) => s.removeEventListener('abort', onAbort)) };
}
