/**
 * Typed errors. The API puts a code in `extensions.code` of every GraphQL error (ADR 0006); each
 * code has its own class here, so callers branch with `instanceof`, never on message text. Every
 * class extends {@link HaaasError}, which carries the request id to quote in a support ticket.
 */

/** One GraphQL error as the API sends it. */
export interface GraphQLErrorPayload {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly locations?: readonly { readonly line: number; readonly column: number }[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** One bad input field: `field` is the dotted input path (`policy.deadtimeSeconds`, `options[2].value`). */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** The codes the API sends in `extensions.code`, plus the SDK's own for transport failures. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'QUOTA_EXCEEDED'
  | 'PRECONDITION_FAILED'
  | 'INTERNAL_SERVER_ERROR'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'GRAPHQL_PARSE_FAILED'
  | 'NETWORK_ERROR'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'DEADLINE_EXCEEDED'
  // a data store of the API did not answer (a database or Redis failover): retried for queries
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'OPERATION_FAILED'
  | 'OPERATION_CANCELLED'
  | 'MISSING_DEPENDENCY';

export interface HaaasErrorOptions {
  readonly code: string;
  readonly requestId?: string | undefined;
  /** Every GraphQL error of the response (the first one gives this error its class). */
  readonly errors?: readonly GraphQLErrorPayload[];
  readonly operationName?: string | undefined;
  readonly cause?: unknown;
}

/** Base class of every error the SDK throws. */
export class HaaasError extends Error {
  /**
   * `instanceof` across copies of the SDK (its CommonJS and ES module builds both loaded, or two
   * versions): an error of another copy is an instance of the class of the same kind in its chain.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!isHaaasError(value)) return false;
    // each class's kind, the same in every copy (class names do not survive minifiers)
    const wanted = (this as unknown as { errorKind?: unknown }).errorKind;
    for (let proto: unknown = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
      const ctor = (proto as { constructor?: { errorKind?: unknown } }).constructor;
      if (ctor?.errorKind === wanted) return true;
    }
    return false;
  }

  // each class names itself in a field, not through new.target.name: minifiers rename classes
  override name = 'HaaasError';
  static readonly errorKind: string = 'HaaasError';
  /** `extensions.code` of the (first) GraphQL error, or the SDK's own code (`NETWORK_ERROR`, `TIMEOUT`). */
  readonly code: ErrorCode | (string & Record<never, never>);
  /** The API's request id (also in its logs), when the API answered. */
  readonly requestId: string | undefined;
  /** Every GraphQL error of the response. */
  readonly errors: readonly GraphQLErrorPayload[];
  /** The operation that failed, e.g. `CreateCluster`. */
  readonly operationName: string | undefined;

  constructor(message: string, options: HaaasErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.requestId = options.requestId;
    this.errors = options.errors ?? [];
    this.operationName = options.operationName;
    // the brand isHaaasError looks for: shared by every copy of the SDK (ESM, CJS, two versions)
    Object.defineProperty(this, Symbol.for('@haaas/sdk:error'), { value: true });
  }

  /** `extensions` of the first GraphQL error (details such as `problems`, `kind`, `limit`). */
  get extensions(): Readonly<Record<string, unknown>> {
    return this.errors[0]?.extensions ?? {};
  }
}

/** The input was invalid: `problems` names every bad field at once. */
export class BadUserInputError extends HaaasError {
  override name = 'BadUserInputError';
  static override readonly errorKind: string = 'BadUserInputError';
  readonly problems: readonly FieldProblem[];
  constructor(message: string, options: HaaasErrorOptions) {
    super(message, options);
    const raw = this.extensions['problems'];
    this.problems = Array.isArray(raw) ? raw.filter(isFieldProblem) : [];
  }
}

/** No token, or the token was refused (expired, wrong issuer or signature). */
export class UnauthenticatedError extends HaaasError {
  override name = 'UnauthenticatedError';
  static override readonly errorKind: string = 'UnauthenticatedError';
}

/** The token is valid but its roles do not allow this (e.g. a reader writing, a member acting as admin). */
export class ForbiddenError extends HaaasError {
  override name = 'ForbiddenError';
  static override readonly errorKind: string = 'ForbiddenError';
}

/** The object does not exist, or belongs to another tenant (the API does not tell these apart). */
export class NotFoundError extends HaaasError {
  override name = 'NotFoundError';
  static override readonly errorKind: string = 'NotFoundError';
  /** The kind of object, e.g. `Cluster`, when the API says. */
  get kind(): string | undefined {
    return stringOf(this.extensions['kind']);
  }
  /** The id that was not found, when the API says. */
  get id(): string | undefined {
    return stringOf(this.extensions['id']);
  }
}

/** The change conflicts with the current state: a duplicate name, an object still in use. */
export class ConflictError extends HaaasError {
  override name = 'ConflictError';
  static override readonly errorKind: string = 'ConflictError';
}

/** A tenant quota would be exceeded. */
export class QuotaExceededError extends HaaasError {
  override name = 'QuotaExceededError';
  static override readonly errorKind: string = 'QuotaExceededError';
  /** What ran out, e.g. `clusters`. */
  get what(): string | undefined {
    return stringOf(this.extensions['what']);
  }
  /** The limit of the tenant. */
  get limit(): number | undefined {
    const v = this.extensions['limit'];
    return typeof v === 'number' ? v : undefined;
  }
}

/** The action cannot run in the current state (e.g. starting a cluster without quorum). */
export class PreconditionFailedError extends HaaasError {
  override name = 'PreconditionFailedError';
  static override readonly errorKind: string = 'PreconditionFailedError';
}

/** The API failed on its side; the details are in its logs under `requestId`. */
export class InternalError extends HaaasError {
  override name = 'InternalError';
  static override readonly errorKind: string = 'InternalError';
}

/** The API refused the request itself (unknown field, bad variable type): the SDK and the API disagree on the schema. */
export class InvalidRequestError extends HaaasError {
  override name = 'InvalidRequestError';
  static override readonly errorKind: string = 'InvalidRequestError';
}

/** The API could not be reached, or answered with something that is not a GraphQL response. */
export class NetworkError extends HaaasError {
  override name = 'NetworkError';
  static override readonly errorKind: string = 'NetworkError';
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  /**
   * True when a mutation may have reached the API before the failure: it may or may not have been
   * applied. The SDK never retries mutations; check the state before trying again.
   */
  readonly outcomeUnknown: boolean;
  constructor(message: string, options: HaaasErrorOptions & { readonly status?: number | undefined; readonly outcomeUnknown?: boolean }) {
    super(message, options);
    this.status = options.status;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}

/**
 * HTTP 429: the API (or a proxy in front of it) refused the request before running it, so nothing
 * was applied; `retryAfterMs` is its `Retry-After`. Queries and actions are retried after it by
 * themselves (honouring `Retry-After`); this error is what is left when the retries run out.
 */
export class RateLimitError extends NetworkError {
  override name = 'RateLimitError';
  static override readonly errorKind: string = 'RateLimitError';
  /** How long the server asked to wait, when it said (`Retry-After`). */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: HaaasErrorOptions & { readonly status?: number | undefined; readonly retryAfterMs?: number | undefined }) {
    super(message, { ...options, outcomeUnknown: false });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The caller's `signal` aborted the call; `cause` is the signal's reason. */
export class AbortError extends HaaasError {
  override name = 'AbortError';
  static override readonly errorKind: string = 'AbortError';
}

/** What the operation errors carry of the operation (the SDK's `Operation` fits). */
export interface OperationSnapshot {
  readonly id: string;
  readonly state: string;
  readonly error: string | null;
}

/**
 * Out of time: `waitForOperation`'s `timeoutMs` (then `operation` is the last state seen; the
 * operation goes on), or a caller's `AbortSignal.timeout()` signal (then `cause` is its reason).
 */
export class TimeoutError<TOperation extends OperationSnapshot = OperationSnapshot> extends HaaasError {
  override name = 'TimeoutError';
  static override readonly errorKind: string = 'TimeoutError';
  readonly operation: TOperation | undefined;
  constructor(message: string, options: HaaasErrorOptions & { readonly operation?: TOperation | undefined }) {
    super(message, options);
    this.operation = options.operation;
  }
}

/** The awaited operation ended FAILED or CANCELLED; `operation` says why (`error`, `steps`). */
export class OperationFailedError<TOperation extends OperationSnapshot = OperationSnapshot> extends HaaasError {
  override name = 'OperationFailedError';
  static override readonly errorKind: string = 'OperationFailedError';
  readonly operation: TOperation;
  constructor(operation: TOperation) {
    super(`operation ${operation.id} ${operation.state}${operation.error ? `: ${operation.error}` : ''}`, { code: `OPERATION_${operation.state}` });
    this.operation = operation;
  }
}

const CLASSES: Readonly<Record<string, new (message: string, options: HaaasErrorOptions) => HaaasError>> = {
  BAD_USER_INPUT: BadUserInputError,
  UNAUTHENTICATED: UnauthenticatedError,
  FORBIDDEN: ForbiddenError,
  NOT_FOUND: NotFoundError,
  CONFLICT: ConflictError,
  QUOTA_EXCEEDED: QuotaExceededError,
  PRECONDITION_FAILED: PreconditionFailedError,
  INTERNAL_SERVER_ERROR: InternalError,
  GRAPHQL_VALIDATION_FAILED: InvalidRequestError,
  GRAPHQL_PARSE_FAILED: InvalidRequestError,
  BAD_REQUEST: InvalidRequestError,
};

/** The typed error for a GraphQL response's errors: the first error's code picks the class. */
export function errorFromGraphQL(errors: readonly GraphQLErrorPayload[], context: { readonly requestId?: string | undefined; readonly operationName?: string | undefined } = {}): HaaasError {
  const first = errors[0];
  const code = stringOf(first?.extensions?.['code']) ?? 'INTERNAL_SERVER_ERROR';
  const requestId = stringOf(first?.extensions?.['requestId']) ?? context.requestId;
  const Class = CLASSES[code] ?? HaaasError;
  return new Class(first?.message ?? 'GraphQL error', { code, requestId, errors, operationName: context.operationName });
}

/**
 * True for an error of the SDK, of this copy or any other (its ES module and CommonJS builds are two
 * copies, with two sets of classes, so `instanceof` fails across them); with `code`, only for that code.
 *
 * ```ts
 * if (isHaaasError(e, 'NOT_FOUND')) console.log(e.requestId);
 * ```
 */
export function isHaaasError(e: unknown, code?: ErrorCode): e is HaaasError {
  if (typeof e !== 'object' || e === null || (e as Record<symbol, unknown>)[Symbol.for('@haaas/sdk:error')] !== true) return false;
  return code === undefined || (e as HaaasError).code === code;
}

/** The SDK's error for an aborted signal: {@link TimeoutError} for a timeout signal's reason, else {@link AbortError}. */
export function abortError(signal: AbortSignal, operationName?: string): HaaasError {
  const reason: unknown = signal.reason;
  if (isHaaasError(reason)) return reason;
  const timedOut = typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
  const why = reason instanceof Error && reason.message ? `: ${reason.message}` : '';
  return timedOut
    ? new TimeoutError(`the signal timed out${why}`, { code: 'TIMEOUT', cause: reason, operationName })
    : new AbortError(`aborted${why}`, { code: 'ABORTED', cause: reason, operationName });
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function isFieldProblem(v: unknown): v is FieldProblem {
  return typeof v === 'object' && v !== null && typeof (v as { field?: unknown }).field === 'string' && typeof (v as { message?: unknown }).message === 'string';
}
