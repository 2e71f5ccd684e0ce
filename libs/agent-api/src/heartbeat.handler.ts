import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpStatus } from '@nestjs/common';
import type { RateLimiter } from '@haaas/auth';
import type { HeartbeatIntake } from '@haaas/heartbeats';
import { type AgentApiError, checkAgent, JSON_TYPE } from './agent-http';
import { MAX_HEARTBEAT_BYTES, parseHeartbeat } from './heartbeat.request';

export interface HeartbeatReply {
  /** Seconds until the next heartbeat: the cluster's interval, so it is changed centrally. */
  readonly intervalSeconds: number;
  /** When the server recorded this heartbeat (RFC 3339): the agent compares it with its clock. */
  readonly serverTime: string;
}

const PATH = '/v1/agent/heartbeat';

/** `POST /v1/agent/heartbeat`, matched as the Nest router did: any case, a trailing slash, a query string. */
export function isHeartbeatRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  if (path.endsWith('/')) path = path.slice(0, -1);
  return path.length === PATH.length && path.toLowerCase() === PATH;
}

/**
 * `POST /v1/agent/heartbeat` on plain `node:http`, ahead of NestJS and Express (ADR 0018): the
 * endpoint thousands of nodes call every second does what it must and nothing else. Order: the
 * size (413, from Content-Length, before anything is read), the agent token (401, with a Bearer
 * challenge) and the node's rate (429, Retry-After), then the media type (415), then the body:
 * read up to MAX_HEARTBEAT_BYTES (413 past it), parsed (400 on bad JSON), validated (400 with
 * every bad field). The token is checked before the body is judged, so an unauthenticated caller
 * learns nothing. Recording is one Redis script call, auto-pipelined with the other heartbeats of
 * the same event-loop turn, one script call per cluster (HeartbeatBatch).
 */
export class HeartbeatHandler {
  constructor(
    private readonly intake: HeartbeatIntake,
    private readonly limiter: RateLimiter | undefined,
    private readonly onError: (what: string, err: unknown) => void,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.serve(req, res).catch((err: unknown) => {
      // unreachable unless writing the answer itself threw: the connection is not reusable then
      this.onError('answer', err);
      res.destroy();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > MAX_HEARTBEAT_BYTES) return tooLarge(res);
    let checked;
    try {
      checked = await checkAgent(this.intake, req.headers.authorization, this.limiter);
    } catch (err) {
      return this.unavailable(res, 'token check', err);
    }
    if ('refusal' in checked) return send(res, checked.refusal.status, checked.refusal.error, checked.refusal.headers);
    const contentType = req.headers['content-type'];
    if (!contentType || !JSON_TYPE.test(contentType)) {
      return send(res, HttpStatus.UNSUPPORTED_MEDIA_TYPE, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the heartbeat as Content-Type: application/json' });
    }
    const text = await readBody(req, MAX_HEARTBEAT_BYTES);
    if (text === ABORTED) return;
    if (text === TOO_LARGE) return tooLarge(res);
    let body: unknown;
    try {
      // an empty body reads as {} (as Express's JSON parser has it): every missing field is reported
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch (err) {
      return send(res, HttpStatus.BAD_REQUEST, { code: 'BAD_USER_INPUT', message: `invalid heartbeat: the body is not valid JSON (${err instanceof Error ? err.message : String(err)})` });
    }
    const parsed = parseHeartbeat(body);
    if (!parsed.report) {
      const message = `invalid heartbeat: ${parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`;
      return send(res, HttpStatus.BAD_REQUEST, { code: 'BAD_USER_INPUT', message, problems: parsed.problems });
    }
    let reply: HeartbeatReply;
    try {
      const ack = await this.intake.receive(checked.node, parsed.report);
      reply = { intervalSeconds: ack.intervalSeconds, serverTime: new Date(ack.seenAt).toISOString() };
    } catch (err) {
      return this.unavailable(res, 'recording', err);
    }
    send(res, HttpStatus.OK, reply);
  }

  private unavailable(res: ServerResponse, what: string, err: unknown): void {
    // the message of a Redis or database error names no token: the token never reaches them
    this.onError(`heartbeat ${what}`, err);
    send(res, HttpStatus.SERVICE_UNAVAILABLE, { code: 'UNAVAILABLE', message: 'heartbeats cannot be recorded right now; retry with backoff' });
  }
}

function tooLarge(res: ServerResponse): void {
  // the rest of the body is not read: the connection closes after the answer rather than draining it
  res.shouldKeepAlive = false;
  send(res, HttpStatus.PAYLOAD_TOO_LARGE, { code: 'PAYLOAD_TOO_LARGE', message: `a heartbeat is at most ${MAX_HEARTBEAT_BYTES} bytes` });
}

function send(res: ServerResponse, status: number, body: HeartbeatReply | AgentApiError, headers: Readonly<Record<string, string>> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

const TOO_LARGE = Symbol('too large');
const ABORTED = Symbol('aborted');

/** The body as UTF-8, or TOO_LARGE once it grows past `limit` bytes (a chunked body has no Content-Length). */
function readBody(req: IncomingMessage, limit: number): Promise<string | typeof TOO_LARGE | typeof ABORTED> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    // the client went away before the end: nobody to answer (a no-op once resolved)
    req.once('close', () => resolve(ABORTED));
  });
}
