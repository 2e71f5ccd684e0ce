/** What every command gets: the parsed global options, the client (connected on first use) and the printers. */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { Writable } from 'node:stream';
import { TimeoutError, type FetchLike, type HaaasClient, type KeystoneSession, type Operation } from '@haaas/sdk';
import { connect } from './auth';
import { OS_KEYS, resolveOsSettings, type OsSettings } from '@haaas/os-config';
import { renderList, renderShow, type Cell, type OutputOptions } from './output';
import { waitWithProgress } from './progress';
import { defaultCacheFile, TokenCache } from './token-cache';
import { listRows, showFields, OPERATION, type View } from './views';

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly interrupted: AbortSignal;
}

/** The global options as yargs parses them (camelCase). */
export type GlobalArgs = Record<string, unknown> & {
  readonly format?: string;
  readonly column?: string[];
  readonly sortColumn?: string[];
  readonly noindent?: boolean;
  readonly maxWidth?: number;
  readonly fitWidth?: boolean;
  readonly printEmpty?: boolean;
  readonly prefix?: string;
  readonly debug?: boolean;
  readonly endpoint?: string;
  readonly osCloud?: string;
  readonly tenant?: string;
  readonly wait?: boolean;
  readonly timeout?: number;
};

export class Ctx {
  private connected: Promise<{ client: HaaasClient; session: (() => Promise<KeystoneSession>) | undefined }> | undefined;

  constructor(
    readonly args: GlobalArgs,
    readonly io: Io,
  ) {}

  async client(): Promise<HaaasClient> {
    return (await this.connection()).client;
  }

  /** The Keystone session (token issue), undefined with HAAAS_TOKEN. */
  async session(): Promise<KeystoneSession | undefined> {
    const s = (await this.connection()).session;
    return s ? await s() : undefined;
  }

  private connection(): ReturnType<typeof connect> {
    const env = this.io.env;
    const values: Partial<OsSettings> = {};
    for (const key of OS_KEYS) {
      const v = this.args[`os${key.split('_').map((w) => w[0]?.toUpperCase() + w.slice(1)).join('')}`];
      if (typeof v === 'string') values[key] = v;
    }
    this.connected ??= connect({
      os: resolveOsSettings({ cloud: this.args.osCloud, values }, env),
      endpoint: this.args.endpoint ?? env['HAAAS_URL'],
      haaasToken: env['HAAAS_TOKEN'] || undefined,
      tenant: this.args.tenant ?? env['HAAAS_TENANT'],
      cache: env['HAAAS_NO_TOKEN_CACHE'] ? undefined : new TokenCache(env['HAAAS_TOKEN_CACHE'] ?? defaultCacheFile(env)),
      webSocketImpl: WebSocket,
      fetch: this.args.debug ? debugFetch(this.io.stderr) : (url, init) => fetch(url, init),
      promptPassword: this.io.stdin.isTTY ? () => askPassword(this.io) : undefined,
    });
    return this.connected;
  }

  get output(): OutputOptions {
    const a = this.args;
    const fit = a.fitWidth || (this.io.env['CLIFF_FIT_WIDTH'] === '1' && this.io.stdout.isTTY);
    return {
      format: a.format ?? 'table',
      columns: a.column ?? [],
      sortColumns: a.sortColumn ?? [],
      noindent: a.noindent ?? false,
      maxWidth: fit ? (this.io.stdout.columns ?? 80) : (a.maxWidth ?? 0),
      printEmpty: a.printEmpty ?? false,
      prefix: a.prefix ?? '',
    };
  }

  print(text: string): void {
    this.io.stdout.write(text);
  }

  list<T>(view: View<T>, items: readonly T[]): void {
    const { headers, rows } = listRows(view, items);
    this.print(renderList(headers, rows, this.output));
  }

  show<T>(view: View<T>, item: T): void {
    this.print(renderShow(showFields(view, item), this.output));
  }

  fields(fields: readonly (readonly [string, Cell])[]): void {
    this.print(renderShow(fields, this.output));
  }

  /** An action's Operation: printed at once, or (--wait) followed to its end; a FAILED or CANCELLED end fails the command. */
  async action(started: Promise<Operation>): Promise<void> {
    let op = await started;
    if (this.args.wait) {
      const client = await this.client();
      try {
        op = await waitWithProgress(client, op, (this.args.timeout ?? 900) * 1000, { stderr: this.io.stderr, interrupted: this.io.interrupted });
      } catch (error) {
        if (error instanceof TimeoutError) throw new TimeoutError(`${error.message}; it goes on: haaas operation wait ${op.id}`, { code: 'TIMEOUT' });
        throw error;
      }
    }
    this.show(OPERATION, op);
    if (op.state === 'FAILED' || op.state === 'CANCELLED') throw new OperationEnded(op);
  }
}

/** An awaited operation that did not succeed (exit code 1). */
export class OperationEnded extends Error {
  constructor(readonly operation: Operation) {
    super(`operation ${operation.id} ${operation.state}${operation.error ? `: ${operation.error}` : ''}`);
  }
}

/** --debug: each request on stderr (method, URL, status, time), tokens never shown. */
function debugFetch(stderr: NodeJS.WritableStream): FetchLike {
  return async (url, init) => {
    const started = Date.now();
    const op = /"operationName":"(\w+)"/.exec(init.body)?.[1];
    stderr.write(`REQ: ${init.method} ${url}${op ? ` ${op}` : ''}\n`);
    const res = await fetch(url, init);
    stderr.write(`RESP: ${res.status} in ${Date.now() - started} ms (request id ${res.headers.get('x-request-id') ?? '-'})\n`);
    return res;
  };
}

/** Reads a password from the terminal without echoing it. */
function askPassword(io: Io): Promise<string> {
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  io.stderr.write('Password: ');
  const rl = createInterface({ input: io.stdin, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      io.stderr.write('\n');
      resolve(answer);
    });
  });
}
