import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HaaasMetrics } from './haaas.metrics';

/** The parts of an Express request read here (Express sets `route` once a route matched). */
interface RoutedRequest extends IncomingMessage {
  readonly baseUrl?: string;
  readonly route?: { readonly path?: unknown };
  readonly originalUrl?: string;
}

/** Paths served by handlers mounted without an Express route (Apollo, /metrics): named as they are. */
const MOUNTED: ReadonlySet<string> = new Set(['/graphql', '/metrics']);

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
      const pattern = typeof r.route?.path === 'string' ? `${r.baseUrl ?? ''}${r.route.path}` : MOUNTED.has(path) ? path : 'unmatched';
      const method = req.method ?? 'OTHER';
      metrics.httpRequest(method, pattern, res.statusCode, (performance.now() - t0) / 1000);
      if (pattern === HEARTBEAT_ROUTE && method === 'POST') metrics.heartbeat(res.statusCode < 300 ? 'accepted' : 'rejected');
    });
    next();
  };
}
