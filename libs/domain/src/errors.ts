/**
 * Errors of the domain, each with the code clients see in GraphQL `extensions.code`.
 * The transport maps these one-to-one; anything else becomes an opaque internal error.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'QUOTA_EXCEEDED'
  | 'PRECONDITION_FAILED'
  | 'QUERY_TOO_COMPLEX'
  | 'RATE_LIMITED'
  | 'DEADLINE_EXCEEDED';

export interface FieldProblem {
  /** Dotted path of the input field, e.g. `policy.priority`. */
  readonly field: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
  }
  static of(field: string, message: string): BadInputError {
    return new BadInputError([{ field, message }]);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(kind: string, id: string) {
    super(`${kind} ${id} not found`, { kind, id });
  }
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

export class QuotaExceededError extends DomainError {
  readonly code = 'QUOTA_EXCEEDED';
  constructor(what: string, limit: number) {
    super(`quota exceeded: at most ${limit} ${what} per tenant`, { what, limit });
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

export class PreconditionFailedError extends DomainError {
  readonly code = 'PRECONDITION_FAILED';
}

/** A request refused before it ran: deeper, wider or costlier than the configured limits. */
export class QueryTooComplexError extends DomainError {
  readonly code = 'QUERY_TOO_COMPLEX';
  constructor(
    readonly limit: 'depth' | 'aliases' | 'cost' | 'fields',
    readonly actual: number,
    readonly maximum: number,
  ) {
    super(`query ${limit} ${actual} exceeds the limit of ${maximum}`, { limit, actual, maximum, ...(limit === 'cost' ? { cost: actual } : {}) });
  }
}

/** A request refused before it ran because its bucket is empty; `retryAfter` is in seconds. */
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(
    readonly bucket: string,
    readonly retryAfter: number,
  ) {
    super(`rate limited (${bucket}): retry after ${retryAfter} s`, { bucket, retryAfter });
  }
}

/** A request stopped at its execution deadline; what it had not finished was not done. */
export class DeadlineExceededError extends DomainError {
  readonly code = 'DEADLINE_EXCEEDED';
  constructor(readonly deadlineMs: number) {
    super(`the request ran past its deadline of ${deadlineMs} ms and was stopped`, { deadlineMs });
  }
}

/** Collects field problems so one response reports every bad field, not just the first. */
export class Problems {
  private readonly list: FieldProblem[] = [];
  add(field: string, message: string): this {
    this.list.push({ field, message });
    return this;
  }
  check(ok: boolean, field: string, message: string): this {
    if (!ok) this.add(field, message);
    return this;
  }
  /**
   * Runs a validation that throws BadInputError and keeps its problems here instead, so one
   * response reports every bad field. Returns the result, or undefined when it failed.
   */
  absorb<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof BadInputError)) throw err;
      this.list.push(...err.problems);
      return undefined;
    }
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new BadInputError([...this.list]);
  }
}
