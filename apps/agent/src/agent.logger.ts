export type Level = 'info' | 'warn' | 'error';

/**
 * Plain lines on stderr (journald and docker add their own timestamps, but a file does not).
 * Whatever is registered as secret is replaced before a line is written: the token cannot reach
 * the log even through an error message that quotes it.
 */
export class AgentLogger {
  private readonly secrets = new Set<string>();

  constructor(private readonly write: (line: string) => void = (line) => void process.stderr.write(`${line}\n`)) {}

  redact(secret: string): void {
    if (secret.length >= 8) this.secrets.add(secret);
  }

  /** The secrets registered so far: action results are cleaned of them too. */
  knownSecrets(): readonly string[] {
    return [...this.secrets];
  }

  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  error(message: string): void {
    this.log('error', message);
  }

  private log(level: Level, message: string): void {
    let text = message;
    for (const s of this.secrets) text = text.split(s).join('[redacted]');
    this.write(`${new Date().toISOString()} ${level.padEnd(5)} ${text}`);
  }
}
