import type { DocumentTypeDecoration } from './typed-document.js';
import { abortError, errorFromGraphQL, type GraphQLErrorPayload, type HaaasError, NetworkError, RateLimitError, UnauthenticatedError } from './errors.js';
import { type CallKind, describeOperation } from './operation-name.util.js';
import { anySignal, sleep, timeoutSignal } from './signals.util.js';
import { clientHeaders } from './version.js';

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

/** Options of one call: the last argument of every method. */
export interface RequestOptions {
  /**
   * Aborts the call (and its retries); the promise rejects with the SDK's {@link AbortError}
   * (`cause`: the signal's reason), or {@link TimeoutError} for an `AbortSignal.timeout()` signal.
   */
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
  readonly hooks?: RequestHooks | undefined;
  readonly tokenKind?: TokenKind | undefined;
}

/** What the token is: a HAaaS JWT (`Authorization: Bearer`) or a Keystone token (`X-Auth-Token`). */
export type TokenKind = 'jwt' | 'keystone';

/** The header that carries a token of this kind. */
export function authHeader(kind: TokenKind | undefined, token: string): Record<string, string> {
  return kind === 'keystone' ? { 'x-auth-token': token } : { authorization: `Bearer ${token}` };
}

export type { CallKind };

/** What the hooks are told about a call. */
export interface CallInfo {
  readonly kind: CallKind;
  /** The operation's name, e.g. `CreateCluster`. */
  readonly operationName: string | undefined;
  /** True for queries and for mutations with an idempotency key: what may be retried after any transient failure. */
  readonly repeatable: boolean;
  /** 0 for the first attempt, then 1, 2, ... for retries. */
  readonly attempt: number;
}

/** Passed to {@link RequestHooks.beforeRequest}: `headers` may be changed (a tracing header, ...). */
export interface OutgoingRequest extends CallInfo {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** Passed to {@link RequestHooks.afterResponse}, once per attempt. */
export interface AttemptResult extends CallInfo {
  readonly url: string;
  /** HTTP status; undefined when no response came. */
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly durationMs: number;
  /** The attempt's error (it may still be retried). */
  readonly error: HaaasError | undefined;
}

/**
 * Hooks around each HTTP attempt (retries included), for logging, metrics or tracing. The token is
 * in `headers.authorization` (`headers['x-auth-token']` for a Keystone token): a logger should leave it out.
 */
export interface RequestHooks {
  beforeRequest?(request: OutgoingRequest): void | Promise<void>;
  afterResponse?(response: AttemptResult): void;
}

type Outcome =
  | { readonly ok: true; readonly data: unknown }
  | {
      readonly ok: false;
      readonly error: HaaasError;
      /** A failure that may pass (5xx, network, INTERNAL_SERVER_ERROR): worth repeating a repeatable call. */
      readonly transient: boolean;
      /** Certainly not run (refused connection, 429): worth repeating any call. */
      readonly notRun: boolean;
      readonly retryAfterMs?: number | undefined;
    };

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

  // an ES private field: unlike a TypeScript `private` one, util.inspect and JSON.stringify never show
  // it, and it holds the token (and maybe secrets in the caller's headers)
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
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
    return typeof this.#options.token === 'function';
  }

  /** The token to send now (asks the callback, if one was given). */
  async token(refresh = false): Promise<string> {
    const t = this.#options.token;
    return typeof t === 'string' ? t : await t({ refresh });
  }

  /** Headers every request carries besides the token: the caller's own and the admin tenant header. */
  get staticHeaders(): Record<string, string> {
    return { ...this.#options.headers, ...(this.#options.tenant ? { 'x-haaas-tenant': this.#options.tenant } : {}) };
  }

  /** What inspection and serialisation show: never the token or the headers. */
  toJSON(): { endpoint: string } {
    return { endpoint: this.endpoint };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Transport { endpoint: ${JSON.stringify(this.endpoint)} }`;
  }

  /** How the token travels: `Authorization: Bearer` (JWT) or `X-Auth-Token` (Keystone). */
  get tokenKind(): TokenKind {
    return this.#options.tokenKind ?? 'jwt';
  }

  /** The options, for a derived transport (another tenant). */
  with(changes: Partial<TransportOptions>): Transport {
    return new Transport({ ...this.#options, ...changes });
  }

  async request<TResult, TVariables>(document: GraphQLDocument<TResult, TVariables>, variables: TVariables | undefined, options: InternalRequestOptions = {}): Promise<TResult> {
    const query = document.toString();
    const { kind, name } = describeOperation(query);
    const body = JSON.stringify({ query, variables: variables ?? {}, ...(name ? { operationName: name } : {}) });
    // queries read only, so repeating one is safe; so is a mutation that carries an idempotency key
    // (the API answers a repeat with the first result); any other mutation is repeated only after
    // a failure that shows it never ran (connection refused, HTTP 429)
    const repeatable = kind !== 'mutation' || options.idempotent === true;
    let refreshed = false;
    try {
      for (let attempt = 0; ; attempt++) {
        options.signal?.throwIfAborted();
        const outcome = await this.attempt(body, { kind, operationName: name, repeatable, attempt }, refreshed, options.signal);
        if (outcome.ok) return outcome.data as TResult;
        const error = outcome.error;
        // the API refuses a bad token before running anything, so one retry with a fresh token is safe even for a mutation
        if (error instanceof UnauthenticatedError && typeof this.#options.token === 'function' && !refreshed) {
          refreshed = true;
          attempt--;
          continue;
        }
        const retriable = outcome.notRun || (repeatable && outcome.transient);
        if (!retriable || attempt >= this.retry.retries) throw error;
        await sleep(this.backoff(attempt, outcome.retryAfterMs), options.signal);
      }
    } catch (e) {
      // the caller's abort, wherever it struck (fetch, backoff, token callback), as the SDK's own error
      if (options.signal?.aborted) throw abortError(options.signal, name);
      throw e;
    }
  }

  private async attempt(body: string, call: CallInfo, refresh: boolean, signal: AbortSignal | undefined): Promise<Outcome> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...clientHeaders(),
      ...this.staticHeaders,
      ...authHeader(this.#options.tokenKind, await this.token(refresh)),
    };
    await this.#options.hooks?.beforeRequest?.({ ...call, url: this.endpoint, headers });
    signal?.throwIfAborted();
    const started = Date.now();
    const timeout = timeoutSignal(this.timeoutMs);
    const combined = anySignal([signal, timeout.signal]);
    let outcome: Outcome;
    let response: ResponseLike | undefined;
    try {
      response = await this.fetchFn(this.endpoint, { method: 'POST', headers, body, signal: combined.signal });
      outcome = this.interpret(response, await response.text(), call);
    } catch (cause) {
      if (signal?.aborted) throw cause;
      outcome = this.unreachable(cause, timeout.signal.aborted, call);
    } finally {
      timeout.clear();
      combined.clear();
    }
    this.#options.hooks?.afterResponse?.({
      ...call,
      url: this.endpoint,
      status: response?.status,
      requestId: response?.headers.get('x-request-id') ?? undefined,
      durationMs: Date.now() - started,
      error: outcome.ok ? undefined : outcome.error,
    });
    return outcome;
  }

  /** No response: refused before the request left (nothing ran), or lost on the way (a mutation may have run). */
  private unreachable(cause: unknown, timedOut: boolean, call: CallInfo): Outcome {
    const notSent = !timedOut && neverSent(cause);
    const message = timedOut ? `no answer from ${this.endpoint} within ${this.timeoutMs} ms` : `cannot reach ${this.endpoint}: ${errorMessage(cause)}`;
    const outcomeUnknown = call.kind === 'mutation' && !notSent;
    return {
      ok: false,
      transient: true,
      notRun: notSent,
      error: new NetworkError(outcomeUnknown ? `${message} (the mutation may or may not have been applied)` : message, {
        code: 'NETWORK_ERROR',
        cause,
        operationName: call.operationName,
        outcomeUnknown,
      }),
    };
  }

  private interpret(response: ResponseLike, text: string, call: CallInfo): Outcome {
    const { kind, operationName } = call;
    const status = response.status;
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (status === 429) {
      // refused before it ran, whatever the body says: safe to repeat, even a plain mutation
      const error = new RateLimitError(`${this.endpoint} is rate limiting (HTTP 429${retryAfterMs === undefined ? '' : `, retry after ${Math.ceil(retryAfterMs / 1000)} s`})`, {
        code: 'RATE_LIMITED',
        requestId,
        operationName,
        status,
        retryAfterMs,
      });
      return { ok: false, error, transient: true, notRun: true, retryAfterMs };
    }
    const parsed = parseBody(text);
    if (parsed && (parsed.errors?.length || parsed.data)) {
      if (parsed.errors?.length) {
        const error = errorFromGraphQL(parsed.errors, { requestId, operationName });
        return { ok: false, error, transient: error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'UNAVAILABLE' || status >= 500, notRun: false, retryAfterMs };
      }
      return { ok: true, data: parsed.data };
    }
    const transient = status >= 500;
    return {
      ok: false,
      transient,
      notRun: false,
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

/**
 * Failures that happen before a request is written: no route, no such host, refused connection,
 * refused TLS certificate. Node's fetch names them in `cause.code`; browsers give no reason, so
 * there a failure always leaves a mutation's outcome unknown.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_INVALID_ARG',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function neverSent(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; typeof c === 'object' && c !== null && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
  }
  return false;
}

function errorMessage(e: unknown): string {
  // duck-typed rather than `instanceof Error`: fetch's errors may come from another realm
  const message = (v: unknown): string | undefined => (typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string' ? (v as { message: string }).message : undefined);
  const own = message(e);
  if (own === undefined) return String(e);
  // Node's fetch says only "fetch failed"; the reason (connect ECONNREFUSED ...) is in `cause`
  const cause = message((e as { cause?: unknown }).cause);
  return cause ? `${own} (${cause})` : own;
}
