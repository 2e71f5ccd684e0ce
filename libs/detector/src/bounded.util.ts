/**
 * Bounded parallelism for the detector: clusters evaluated at once, probes in flight. A dozen
 * lines rather than p-limit, whose current versions are ES modules only (jest here runs CommonJS)
 * and which would add a dependency for one function.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`Semaphore: limit must be a positive integer, got ${limit}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  get inFlight(): number {
    return this.active;
  }
}

/** Runs `fn` over `items` with at most `limit` at once; settles every item (no early abort). */
export async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<PromiseSettledResult<void>[]> {
  const gate = new Semaphore(Math.max(1, Math.min(limit, items.length || 1)));
  return Promise.allSettled(items.map((item) => gate.run(() => fn(item))));
}
