/**
 * What can go wrong talking to a hypervisor manager, as the failover engine needs to tell it apart:
 * an unreachable host may be dead (suspect it), a missing VM is not retried, an invalid state is
 * often success in disguise (idempotency), a timeout may be retried, bad credentials never are.
 */
export type AdapterErrorKind = 'UNREACHABLE' | 'NOT_FOUND' | 'INVALID_STATE' | 'TIMEOUT' | 'AUTH_FAILED' | 'UNSUPPORTED' | 'FAILED';

export class AdapterError extends Error {
  constructor(
    readonly kind: AdapterErrorKind,
    message: string,
    /** The operation, e.g. `startVm`. */
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdapterError';
  }

  /** Worth another try with the same inputs. */
  get retryable(): boolean {
    return this.kind === 'UNREACHABLE' || this.kind === 'TIMEOUT' || this.kind === 'FAILED';
  }
}

export function isAdapterError(err: unknown, kind?: AdapterErrorKind): err is AdapterError {
  return err instanceof AdapterError && (kind === undefined || err.kind === kind);
}
