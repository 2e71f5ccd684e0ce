import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import pretty from 'pino-pretty';
import { currentLogContext } from './log-context';
import { REDACT_PATHS, REDACTED } from './redact';

export type LogFormat = 'json' | 'pretty';

export interface LoggingOptions {
  /** Which process writes (`service` on every line): api, worker, ... */
  readonly service: string;
  readonly format: LogFormat;
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  readonly level: string;
  /** Where lines go; stdout when absent. Tests pass a stream that keeps them. */
  readonly destination?: DestinationStream;
}

/** Accepted client request ids (x-request-id): what proxies and tracing tools send, nothing that could forge a log line. */
export const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The client's x-request-id when it is a sane one, else a new UUID: the id on log lines and on error responses alike. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Paths too frequent or too dull for a line per request (agents' heartbeats, probes, scrapes); errors there are still logged. */
const QUIET_PATHS = /^\/(health|metrics|v1\/agent\/heartbeat)\b/;

/** The process's root logger: JSON lines (or pino-pretty for people), secrets redacted, the unit of work's ids mixed in. */
export function createLogger(options: LoggingOptions): Logger {
  const out = options.destination ?? pino.destination(1);
  const stream = options.format === 'pretty' ? prettyStream(out, !options.destination && process.stdout.isTTY) : out;
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      // a copy: pino merges the line's own fields into what mixin returns
      mixin: () => ({ ...currentLogContext() }),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** pino-pretty (in this thread: development only) in front of a destination, which it needs as a Node stream. */
function prettyStream(out: DestinationStream, colorize: boolean): DestinationStream {
  const destination = out instanceof Writable ? out : new Writable({ write: (chunk: Buffer, _enc, done) => (out.write(chunk.toString()), done()) });
  return pretty({ destination, colorize, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' });
}

/** pino-http for the API: one line per request (not for the quiet paths) bound to its request id. */
export function httpLoggerOptions(logger: Logger): PinoHttpOptions<IncomingMessage, ServerResponse> {
  return {
    logger,
    genReqId: (req, res) => {
      const id = requestIdOf(req);
      res.setHeader('x-request-id', id);
      return id;
    },
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    autoLogging: { ignore: (req) => QUIET_PATHS.test(req.url ?? '') },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  };
}
