/** One JSON log line as pino writes it (see @haaas/logging). */
export interface LogRecord {
  readonly level: string;
  readonly msg?: string;
  readonly service?: string;
  readonly requestId?: string;
  readonly err?: { readonly message?: string; readonly stack?: string };
  readonly [field: string]: unknown;
}

/**
 * A pino destination that keeps what the processes log, for tests that read their real log
 * output: the raw lines (to grep for secrets) and the parsed records (to follow ids).
 */
export class LogCapture {
  readonly lines: string[] = [];

  /** pino's DestinationStream. */
  write(chunk: string): void {
    this.lines.push(...chunk.split('\n').filter(Boolean));
  }

  get records(): LogRecord[] {
    return this.lines.map((l) => JSON.parse(l) as LogRecord);
  }

  clear(): void {
    this.lines.length = 0;
  }
}
