import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HaaasMetrics } from './haaas.metrics';

export interface MetricsEndpointOptions {
  /**
   * A bearer token Prometheus must send (`authorization: Bearer …`, Prometheus's
   * `authorization.credentials_file`); without one the endpoint is open (development, tests).
   */
  readonly token?: string;
}

/** Compares through hashes: equal lengths for timingSafeEqual, and nothing learnt from the time taken. */
function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** GET /metrics: the exposition, 401 with a bearer challenge when the token is missing or wrong. */
export function metricsHandler(metrics: HaaasMetrics, options: MetricsEndpointOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (options.token) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
      if (!given || !tokenMatches(given, options.token)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' }).end('unauthorized\n');
        return;
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  };
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The worker's own small HTTP listener (it serves nothing else): `/metrics` and `/health/live`.
 * Port 0 picks a free one (tests).
 */
export async function startMetricsServer(metrics: HaaasMetrics, options: MetricsEndpointOptions & { readonly host: string; readonly port: number }): Promise<MetricsServer> {
  const handle = metricsHandler(metrics, options);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') return handle(req, res);
    if (path === '/health/live') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
