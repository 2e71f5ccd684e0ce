import { AdapterError } from './adapter.errors';

/** An AbortSignal that fires after `ms`, or with `parent`, whichever comes first. */
export function deadline(ms: number, parent?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return parent ? AbortSignal.any([parent, timeout]) : timeout;
}

/** Throws TIMEOUT when the signal has fired, so a loop stops at its deadline. */
export function checkDeadline(signal: AbortSignal, operation: string): void {
  if (signal.aborted) throw new AdapterError('TIMEOUT', `${operation}: deadline passed`, operation, { cause: signal.reason });
}

/** Waits `ms` unless the deadline comes first (then TIMEOUT). */
export function sleep(ms: number, signal: AbortSignal, operation: string): Promise<void> {
  checkDeadline(signal, operation);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AdapterError('TIMEOUT', `${operation}: deadline passed`, operation, { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
