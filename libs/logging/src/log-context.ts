import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fields every log line carries while a unit of work runs: a request (requestId, tenant, subject,
 * operation) or a job (incidentId, operationId, jobId). pino's `mixin` reads them, so code logs
 * with Nest's plain `Logger` and still says which incident or request a line belongs to.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

interface UnitOfWork {
  readonly fields: LogFields;
  /** The request's id (pino-http binds it to the request's lines itself; kept here for the audit log). */
  readonly request?: { readonly id?: unknown };
}

const storage = new AsyncLocalStorage<UnitOfWork>();

/** Runs `fn` with `fields` added to those of the surrounding unit of work (a copy: nothing leaks back out). */
export function runWithLogContext<T>(fields: LogFields, fn: () => T, request?: { readonly id?: unknown }): T {
  const outer = storage.getStore();
  const req = request ?? outer?.request;
  return storage.run({ fields: { ...outer?.fields, ...definedOnly(fields) }, ...(req ? { request: req } : {}) }, fn);
}

/** Adds fields to the current unit of work (e.g. the tenant once the token is verified); a no-op outside one. */
export function addLogContext(fields: LogFields): void {
  const store = storage.getStore();
  if (store) Object.assign(store.fields, definedOnly(fields));
}

/** The fields of the current unit of work (pino's mixin). */
export function currentLogContext(): LogFields {
  return storage.getStore()?.fields ?? {};
}

/** The id of the HTTP request being served, if any. */
export function currentRequestId(): string | undefined {
  const id = storage.getStore()?.request?.id;
  return typeof id === 'string' ? id : undefined;
}

function definedOnly(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}
