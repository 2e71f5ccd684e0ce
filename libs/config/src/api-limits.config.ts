/** One token bucket: `burst` requests at once, refilled at `perSecond`; `perSecond` 0 turns it off. */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
}

/** What the API allows one request and one caller (docs/api-limits.md). */
export interface ApiLimitsConfig {
  /** Schema introspection (HAAAS_GRAPHQL_INTROSPECTION; default on outside production). */
  readonly introspection: boolean;
  /** GraphiQL at GET /graphql (HAAAS_GRAPHQL_LANDING_PAGE; default off). */
  readonly landingPage: boolean;
  /** Checked before a request runs; 0 turns a limit off (HAAAS_QUERY_MAX_DEPTH, _ALIASES, _COST). */
  readonly query: { readonly maxDepth: number; readonly maxAliases: number; readonly maxCost: number };
  /** Execution deadline of one request (HAAAS_REQUEST_DEADLINE_MS; 0 = none). */
  readonly deadlineMs: number;
  /** Largest graphql-ws message: the HTTP body limit (HAAAS_WS_MAX_MESSAGE_BYTES). */
  readonly wsMaxMessageBytes: number;
  /** Per tenant, per subject (a token's `sub` within its tenant), per node agent. */
  readonly rate: { readonly tenant: RateLimit; readonly subject: RateLimit; readonly node: RateLimit };
}

/** Express's JSON body limit of the API, which graphql-ws messages get too. */
export const HTTP_BODY_LIMIT_BYTES = 100 * 1024;

export const DEFAULT_API_LIMITS: ApiLimitsConfig = {
  introspection: true,
  landingPage: false,
  query: { maxDepth: 12, maxAliases: 50, maxCost: 100_000 },
  deadlineMs: 10_000,
  wsMaxMessageBytes: HTTP_BODY_LIMIT_BYTES,
  rate: { tenant: { burst: 400, perSecond: 100 }, subject: { burst: 200, perSecond: 50 }, node: { burst: 30, perSecond: 10 } },
};

interface Reader {
  int(name: string, fallback: number, min: number, max: number): number;
  bool(name: string, fallback: boolean): boolean;
}

function rate(r: Reader, who: 'TENANT' | 'SUBJECT' | 'NODE', fallback: RateLimit, off: boolean): RateLimit {
  return {
    burst: r.int(`HAAAS_RATE_${who}_BURST`, fallback.burst, 1, 1_000_000),
    perSecond: r.int(`HAAAS_RATE_${who}_PER_SECOND`, off ? 0 : fallback.perSecond, 0, 1_000_000),
  };
}

/** Reads the API limits; under NODE_ENV=test rate limits are off unless set (tests send bursts on purpose). */
export function readApiLimits(r: Reader, production: boolean, test: boolean): ApiLimitsConfig {
  const d = DEFAULT_API_LIMITS;
  return {
    introspection: r.bool('HAAAS_GRAPHQL_INTROSPECTION', !production),
    landingPage: r.bool('HAAAS_GRAPHQL_LANDING_PAGE', d.landingPage),
    query: {
      maxDepth: r.int('HAAAS_QUERY_MAX_DEPTH', d.query.maxDepth, 0, 1000),
      maxAliases: r.int('HAAAS_QUERY_MAX_ALIASES', d.query.maxAliases, 0, 100_000),
      maxCost: r.int('HAAAS_QUERY_MAX_COST', d.query.maxCost, 0, 1_000_000_000),
    },
    deadlineMs: r.int('HAAAS_REQUEST_DEADLINE_MS', d.deadlineMs, 0, 600_000),
    wsMaxMessageBytes: r.int('HAAAS_WS_MAX_MESSAGE_BYTES', d.wsMaxMessageBytes, 1024, 100 * 1024 * 1024),
    rate: { tenant: rate(r, 'TENANT', d.rate.tenant, test), subject: rate(r, 'SUBJECT', d.rate.subject, test), node: rate(r, 'NODE', d.rate.node, test) },
  };
}
