import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { HaaasMetrics } from './haaas.metrics';

/** The parts of an Express request read here (Express sets `route` once a route matched). */
interface RoutedRequest extends IncomingMessage {
  readonly baseUrl?: string;
  readonly route?: { readonly path?: unknown };
  readonly originalUrl?: string;
}

/** Paths served without an Express route (Apollo, /metrics, the agents' heartbeat fast path): named as they are. */
const MOUNTED: ReadonlySet<string> = new Set(['/graphql', '/metrics', '/v1/agent/heartbeat']);

const HEARTBEAT_ROUTE = '/v1/agent/heartbeat';

/**
 * Express middleware: counts and times every request by method, route pattern (`/v1/agent/actions/:id/result`,
 * never the path with its ids; `unmatched` for a 404 without a route) and status code, and the node
 * agents' heartbeats by result. Recorded when the response finished, so the status is the real one.
 */
export function httpMetricsMiddleware(metrics: HaaasMetrics): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const t0 = performance.now();
    res.once('finish', () => {
      const r = req as RoutedRequest;
      const path = (r.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
      // Express 5's optional wildcard (`/graphql{/*splat}`) says nothing an operator needs
      const pattern = typeof r.route?.path === 'string' ? `${r.baseUrl ?? ''}${r.route.path}`.replace(/\{\/\*\w+\}$/, '') || '/' : MOUNTED.has(path) ? path : 'unmatched';
      const method = req.method ?? 'OTHER';
      metrics.httpRequest(method, pattern, res.statusCode, (performance.now() - t0) / 1000);
      if (pattern === HEARTBEAT_ROUTE && method === 'POST') metrics.heartbeat(res.statusCode < 300 ? 'accepted' : 'rejected');
    });
    next();
  };
}

/**
 * The same, on the HTTP server itself rather than in Express: it then also sees what is answered
 * before Express (the agents' heartbeat fast path, ADR 0018). Call it after every other 'request'
 * listener is installed; Express still sets the route on the request, read when it finishes.
 */
export function instrumentHttpServer(server: Server, metrics: HaaasMetrics): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  const timed = httpMetricsMiddleware(metrics);
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => timed(req, res, () => listeners.forEach((l) => l.call(server, req, res))));
}
