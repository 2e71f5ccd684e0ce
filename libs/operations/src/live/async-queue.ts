/**
 * A push-to-pull queue: producers `push`, one consumer iterates (a GraphQL subscription). Bounded:
 * a consumer that falls `limit` items behind is ended with an error rather than let memory grow
 * (a client that reads slower than the cluster logs reconnects and reads the gap from the log).
 * `return()` (the client unsubscribed, the socket closed) runs the cleanup once.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  private done = false;
  private failure: unknown = null;
  private cleaned = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cleanup: () => void,
    private readonly limit = 1000,
  ) {}

  get closed(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.limit) {
      this.fail(new Error(`subscriber fell ${this.limit} items behind; subscribe again and read the gap from the log`));
      return;
    }
    this.items.push(item);
  }

  /** Ends the stream after `ms` (e.g. when the subscriber's token expires). */
  endAfter(ms: number): void {
    if (this.done) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.end(), Math.min(ms, 2 ** 31 - 1));
    this.timer.unref();
  }

  /** Ends the stream after the items already queued. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.runCleanup();
    if (this.items.length === 0) for (const w of this.waiting.splice(0)) w.resolve({ value: undefined, done: true });
  }

  /** Ends the stream with an error, dropping what is queued. */
  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.items.length = 0;
    this.runCleanup();
    // a consumer waiting now gets the error; otherwise its next read does
    if (this.waiting.length === 0) this.failure = error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.failure !== null) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure instanceof Error ? failure : new Error(String(failure)));
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.fail(error ?? new Error('subscription ended'));
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private runCleanup(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.cleaned) return;
    this.cleaned = true;
    this.cleanup();
  }
}
