import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { looseMode } from './agent.config';
import type { AgentLogger } from './agent.logger';

export class TokenError extends Error {
  override name = 'TokenError';
}

/**
 * The node's agent token, from the configuration or its token file. The file is read again after
 * the API refuses the token (401) or on SIGHUP, so installing a rotated token needs no restart.
 * Every token read is registered with the logger's redaction before anything else touches it.
 */
export class TokenSource {
  private current: string | undefined;

  constructor(
    private readonly config: { readonly token?: string; readonly tokenFile?: string },
    private readonly logger: AgentLogger,
  ) {
    if (config.token) logger.redact(config.token);
  }

  async get(): Promise<string> {
    if (this.current) return this.current;
    const token = this.config.token ?? (await this.readFile());
    this.logger.redact(token);
    if (!token.startsWith('hna_')) throw new TokenError(`${this.describeSource()} does not hold a node agent token (hna_...)`);
    this.current = token;
    this.logger.info(`using node agent token ${fingerprint(token)} from ${this.describeSource()}`);
    return token;
  }

  /** Forget the token read so far: the next heartbeat reads the file again. */
  reload(): void {
    this.current = undefined;
  }

  private async readFile(): Promise<string> {
    const file = this.config.tokenFile as string;
    let text: string;
    try {
      const loose = looseMode(file);
      if (loose) throw new TokenError(`token file ${file} has mode ${loose}; it must be readable by its owner only: chmod 600 ${file}`);
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (err instanceof TokenError) throw err;
      throw new TokenError(`cannot read token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const token = text.trim();
    if (token) this.logger.redact(token);
    return token;
  }

  private describeSource(): string {
    return this.config.tokenFile ? `token file ${this.config.tokenFile}` : 'the configuration file';
  }
}

/** What the cluster log and the API call the token: `sha256:` and 12 hex digits of its hash. */
export function fingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12)}`;
}
