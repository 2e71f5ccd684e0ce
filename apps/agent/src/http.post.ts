import http from 'node:http';
import https from 'node:https';
import { AGENT_VERSION } from './version';

/** A transport failure (no HTTP answer): the message says why, e.g. `ECONNREFUSED` or `no answer within 5000 ms`. */
export class TransportError extends Error {
  override name = 'TransportError';
}

const MAX_ANSWER_BYTES = 1024 * 1024;
// keep-alive: the heartbeat and the long poll each reuse one connection
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 8 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 8 }) };

/**
 * POSTs JSON with the agent's bearer token; resolves with the status and the body as text (any
 * status), rejects with a TransportError. node:http rather than fetch: fetch loads undici, whose
 * parser and pools cost the agent about 8 MB of its resident memory (bench/agent-memory.bench.ts).
 */
export function postJson(url: string, token: string, payload: unknown, signal: AbortSignal, timeoutMs: number): Promise<{ readonly status: number; readonly text: string }> {
  const target = new URL(url);
  const mod = target.protocol === 'https:' ? https : http;
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new TransportError('aborted'));
    let settled = false;
    const finish = (err: Error | null, value?: { status: number; text: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(value as { status: number; text: string });
    };
    const req = mod.request(
      target,
      {
        method: 'POST',
        agent: agents[target.protocol === 'https:' ? 'https:' : 'http:'],
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
          'user-agent': `haaas-agent/${AGENT_VERSION}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new TransportError(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => finish(new TransportError(e.message)));
      },
    );
    const onAbort = () => req.destroy(new TransportError('aborted'));
    const timer = setTimeout(() => req.destroy(new TransportError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: Error & { code?: string }) => finish(e instanceof TransportError ? e : new TransportError(e.code ?? e.message)));
    req.end(body);
  });
}
