import type { CheckResult } from './check.types';

/**
 * Runs a check with a deadline, one run at a time. A run that outlives its deadline is reported
 * as failed and is not started again while it hangs: a write stuck on a dead NFS mount occupies
 * a libuv thread until the kernel gives up, and starting one per heartbeat would use up the pool
 * (and with it DNS lookups and file reads of the whole agent).
 */
export class CheckRunner {
  private inFlight: { readonly promise: Promise<CheckResult>; readonly startedAt: number } | undefined;

  constructor(
    private readonly name: string,
    private readonly check: () => Promise<CheckResult>,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async run(): Promise<CheckResult> {
    if (!this.inFlight) {
      const startedAt = this.now();
      const promise: Promise<CheckResult> = this.check()
        .catch((err: unknown): CheckResult => ({ ok: false, detail: describeError(err) }))
        .finally(() => {
          if (this.inFlight?.promise === promise) this.inFlight = undefined;
        });
      this.inFlight = { promise, startedAt };
    }
    const { promise, startedAt } = this.inFlight;
    const remaining = startedAt + this.timeoutMs - this.now();
    const timedOut = (): CheckResult => ({ ok: false, detail: `${this.name}: no answer after ${Math.round((this.now() - startedAt) / 100) / 10} s (timeout ${this.timeoutMs} ms)` });
    if (remaining <= 0) return timedOut();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), remaining);
    });
    try {
      return (await Promise.race([promise, deadline])) ?? timedOut();
    } finally {
      clearTimeout(timer);
    }
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.slice(0, 400);
  return String(err).slice(0, 400);
}
