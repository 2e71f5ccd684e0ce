/**
 * Why a fence action failed, as the failover engine must tell it apart:
 * - TIMEOUT: the caller's deadline passed (or the signal fired) and the agent was killed.
 * - AUTH_FAILED: the device answered and refused the credentials; retrying cannot help.
 * - UNREACHABLE: the device did not answer (dead BMC, closed port, no route); worth a retry.
 * - BAD_CONFIG: the agent, its options or the action are wrong; nothing was sent to the device.
 * - FAILED: anything else the agent reported (status unknown, power change not confirmed, ...).
 */
export type FenceErrorKind = 'TIMEOUT' | 'AUTH_FAILED' | 'UNREACHABLE' | 'FAILED' | 'BAD_CONFIG';

export type PowerState = 'on' | 'off' | 'unknown';

/** What one `run` did: returned on success, carried by a FenceError on failure. */
export interface FenceResult {
  readonly ok: boolean;
  readonly powerState: PowerState;
  /** Exit code of the last attempt; null when it was killed or never started. */
  readonly exitCode: number | null;
  readonly attempts: number;
  readonly durationMs: number;
  /** The last attempt's stderr, secrets redacted. */
  readonly stderr: string;
  /** The last attempt's stdout (the outlet list for `list`), secrets redacted. */
  readonly stdout: string;
}

export class FenceError extends Error {
  constructor(
    readonly kind: FenceErrorKind,
    /** Already redacted: never carries option values. */
    message: string,
    readonly result: FenceResult,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FenceError';
  }

  /** Worth another attempt with the same options (the runner's own retries use this). */
  get retryable(): boolean {
    return this.kind === 'UNREACHABLE' || this.kind === 'FAILED' || this.kind === 'TIMEOUT';
  }
}

export function isFenceError(err: unknown, kind?: FenceErrorKind): err is FenceError {
  return err instanceof FenceError && (kind === undefined || err.kind === kind);
}
