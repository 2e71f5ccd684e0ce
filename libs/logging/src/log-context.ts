import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fields every log line carries while a unit of work runs: a request (requestId, tenant, subject,
 * operation) or a job (incidentId, operationId, jobId). pino's `mixin` reads them, so code logs
 * with Nest's plain `Logger` and still says which incident or request a line belongs to.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

const storage = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to those of the surrounding unit of work (a copy: nothing leaks back out). */
export function runWithLogContext<T>(fields: LogFields, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...definedOnly(fields) }, fn);
}

/** Adds fields to the current unit of work (e.g. the tenant once the token is verified); a no-op outside one. */
export function addLogContext(fields: LogFields): void {
  const store = storage.getStore();
  if (store) Object.assign(store, definedOnly(fields));
}

/** The fields of the current unit of work (pino's mixin). */
export function currentLogContext(): LogFields {
  return storage.getStore() ?? {};
}

function definedOnly(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}
