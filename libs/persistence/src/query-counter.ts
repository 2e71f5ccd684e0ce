import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger, QueryRunner } from 'typeorm';

/**
 * Counts SQL statements per unit of work (a request), so tests and the benchmark can show that
 * nested queries are batched: the count must not grow with the number of rows.
 */
export class QueryCounter {
  private readonly storage = new AsyncLocalStorage<{ count: number }>();
  /** Statements since the process started, for callers outside the unit of work (benchmarks, tests). */
  total = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.storage.run({ count: 0 }, fn);
  }

  /** Statements run so far in the current unit of work, or undefined outside one. */
  current(): number | undefined {
    return this.storage.getStore()?.count;
  }

  record(): void {
    this.total += 1;
    const store = this.storage.getStore();
    if (store) store.count += 1;
  }
}

export const queryCounter = new QueryCounter();

/** TypeORM logger that counts statements and, when asked, logs them (never their parameters: they may hold secrets). */
export class CountingLogger implements Logger {
  constructor(private readonly logSql: boolean) {}

  logQuery(query: string, _parameters?: unknown[], _queryRunner?: QueryRunner): void {
    queryCounter.record();
    if (this.logSql) process.stdout.write(`[sql] ${query}\n`);
  }
  logQueryError(error: string | Error, query: string): void {
    process.stderr.write(`[sql error] ${error instanceof Error ? error.message : error} in: ${query.slice(0, 200)}\n`);
  }
  logQuerySlow(time: number, query: string): void {
    process.stderr.write(`[sql slow ${time} ms] ${query.slice(0, 200)}\n`);
  }
  logSchemaBuild(): void {
    // schema building is never run (migrations only), so there is nothing to report
  }
  logMigration(message: string): void {
    process.stdout.write(`[migration] ${message}\n`);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') process.stderr.write(`[typeorm] ${String(message)}\n`);
  }
}
