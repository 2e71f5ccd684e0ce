import { GraphQLFormattedError } from 'graphql';
import { DomainError } from '@haaas/domain';

/** Codes GraphQL itself raises for malformed requests; they pass through as they are. */
const PASS_THROUGH = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST']);

export type ErrorLogger = (message: string, error: unknown) => void;

export function findDomainError(error: unknown): DomainError | undefined {
  let e: unknown = error;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof DomainError) return e;
    e = (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/** A request error GraphQL itself raised (parse, validation, variables): the client's to fix. */
export function isClientError(error: { readonly extensions?: Readonly<Record<string, unknown>> }): boolean {
  const code = error.extensions?.['code'];
  return typeof code === 'string' && PASS_THROUGH.has(code);
}

/** Error codes of a store (MariaDB through mysql2, Redis through ioredis) that did not answer: the request may be retried. */
const STORE_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR']);

/** True when the error (or one it wraps: originalError, driverError, cause) says a store was unreachable, not that the request was wrong. */
export function isStoreUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 20) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const x = e as { code?: unknown; name?: unknown; message?: unknown; originalError?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && STORE_UNAVAILABLE.has(x.code)) return true;
    if (x.name === 'MaxRetriesPerRequestError' || (typeof x.message === 'string' && /^(Connection is closed|Pool is closed)\.?$/.test(x.message))) return true;
    queue.push(x.originalError, x.driverError, x.cause);
  }
  return false;
}

/**
 * Maps errors to what clients may see: domain errors keep their code, message and details;
 * GraphQL's own request errors pass; everything else is an opaque INTERNAL_SERVER_ERROR (logged
 * here with the request id), so no stack trace, SQL text or secret reaches a response.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, requestId: string | undefined, log: ErrorLogger): GraphQLFormattedError {
  const domain = findDomainError(error);
  const base = { locations: formatted.locations, path: formatted.path };
  if (domain) {
    return { ...base, message: domain.message, extensions: { code: domain.code, requestId, ...domain.details } };
  }
  const code = formatted.extensions?.['code'];
  if (typeof code === 'string' && PASS_THROUGH.has(code)) {
    return { ...base, message: formatted.message, extensions: { code, requestId } };
  }
  log(`internal error (request ${requestId ?? '-'})`, error);
  // a database or Redis restart or failover: the client should retry (not a bug to report); a
  // connection lost during a commit may still have applied it, so no promise that nothing changed
  if (isStoreUnavailable(error)) {
    return { ...base, message: 'Service briefly unavailable (a data store did not answer); retry with backoff', extensions: { code: 'UNAVAILABLE', requestId } };
  }
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
}
