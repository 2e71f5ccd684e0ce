import type { AttemptResult, RequestHooks } from './transport.js';

/** Where debug lines go: `true` is standard error (console.error); a function gets each line. */
export type DebugOption = boolean | ((line: string) => void);

/**
 * One line per HTTP attempt: kind, operation, attempt, status, time, request id and error code.
 * Never the token, the variables or the answer (they may hold secrets or personal data).
 */
export function debugLine(r: AttemptResult): string {
  const status = r.status === undefined ? 'no response' : `HTTP ${r.status}`;
  const error = r.error ? ` ${r.error.code}: ${r.error.message}` : '';
  const request = r.requestId ? ` request ${r.requestId}` : '';
  return `haaas-sdk: ${r.kind} ${r.operationName ?? '(anonymous)'} attempt ${r.attempt + 1}: ${status} in ${r.durationMs} ms${request}${error}`;
}

/** The user's hooks with the debug logger after them (the user's afterResponse runs first). */
export function withDebug(hooks: RequestHooks | undefined, debug: DebugOption | undefined): RequestHooks | undefined {
  if (!debug) return hooks;
  const write = typeof debug === 'function' ? debug : (line: string) => console.error(line);
  return {
    ...(hooks?.beforeRequest ? { beforeRequest: (r) => hooks.beforeRequest?.(r) } : {}),
    afterResponse: (r) => {
      hooks?.afterResponse?.(r);
      write(debugLine(r));
    },
  };
}
