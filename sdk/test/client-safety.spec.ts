/**
 * What users trip on (issue 17, points 6-10): secrets in inspection and serialisation, honest
 * `outcomeUnknown`, rate limits, waitForOperation's first look and polling, the SDK's own abort and
 * timeout errors, a missing WebSocket, the client headers and hooks. Refused connections are real
 * (a closed port on loopback); the rest runs against a scripted fetch.
 */
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import {
  AbortError,
  ClusterEventsDocument,
  HaaasClient,
  HaaasError,
  NetworkError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  SDK_VERSION,
  TimeoutError,
  isHaaasError,
  type AttemptResult,
  type FetchLike,
  type Operation,
  type OutgoingRequest,
  type ResponseLike,
} from '@haaas/sdk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Reply = { status?: number; body?: unknown; headers?: Record<string, string> } | Error;

function scripted(...replies: Reply[]): FetchLike & { calls: { at: number; headers: Record<string, string>; body: { query: string; variables: Record<string, unknown> } }[] } {
  const calls: { at: number; headers: Record<string, string>; body: { query: string; variables: Record<string, unknown> } }[] = [];
  const fn = async (_url: string, init: { headers: Record<string, string>; body: string }): Promise<ResponseLike> => {
    calls.push({ at: Date.now(), headers: init.headers, body: JSON.parse(init.body) as (typeof calls)[number]['body'] });
    const reply = replies.length > 1 ? replies.shift() : replies[0];
    if (!reply) throw new Error('script ran out');
    if (reply instanceof Error) throw reply;
    const headers = new Map(Object.entries(reply.headers ?? {}));
    return { status: reply.status ?? 200, headers: { get: (n: string) => headers.get(n.toLowerCase()) ?? null }, text: async () => (typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)) };
  };
  return Object.assign(fn, { calls });
}

const OP: Operation = {
  id: 'op1',
  kind: 'CLUSTER_START',
  state: 'SUCCEEDED',
  progress: 100,
  target: { type: 'CLUSTER', id: 'c1' },
  clusterId: 'c1',
  targetNodeId: null,
  steps: [],
  error: null,
  attempts: 1,
  requestedBy: 'me',
  createdAt: 't0',
  startedAt: 't0',
  finishedAt: 't1',
  updatedAt: 't1',
};
const CLUSTER = { id: 'c1', name: 'east' };

/** A loopback port nobody listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('secrets (point 6)', () => {
  it('util.inspect and JSON.stringify of the client, its namespaces and forTenant() show no token or header', () => {
    const client = new HaaasClient({ url: 'http://api.test', token: 'sekret-token-1', headers: { 'x-api-key': 'sekret-header-2' }, tenant: 't1', fetch: scripted({ body: {} }) });
    for (const shown of [inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client), inspect(client.clusters, { depth: 10, showHidden: true }), JSON.stringify(client.forTenant('t2')), inspect(client.forTenant('t2'), { depth: 10 })]) {
      expect(shown).not.toContain('sekret');
    }
    expect(JSON.parse(JSON.stringify(client))).toEqual({ endpoint: 'http://api.test/graphql', tenant: 't1' });
    expect(inspect(client)).toContain('http://api.test/graphql');
  });
});

describe('outcomeUnknown and rate limits (point 7)', () => {
  it('a mutation refused at connect (real ECONNREFUSED) is not "outcome unknown", and is retried', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const seen: AttemptResult[] = [];
    const client = new HaaasClient({ url, token: 't', retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 }, hooks: { afterResponse: (r) => void seen.push(r) } });
    const error = await client.clusters.create({ name: 'x', hypervisor: 'KVM' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ outcomeUnknown: false, operationName: 'CreateCluster' });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as Error).message).not.toMatch(/may or may not/);
    // nothing ran, so repeating even a plain mutation is safe
    expect(seen.map((s) => s.attempt)).toEqual([0, 1, 2]);
  });

  it('a mutation lost after it was sent stays "outcome unknown" and is not repeated', async () => {
    const fetch = scripted(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }));
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } });
    await expect(client.clusters.create({ name: 'x', hypervisor: 'KVM' })).rejects.toMatchObject({ outcomeUnknown: true });
    expect(fetch.calls).toHaveLength(1);
  });

  it('HTTP 429 is a RateLimitError, never "outcome unknown", with Retry-After', async () => {
    const fetch = scripted({ status: 429, body: { errors: [{ message: 'slow down' }] }, headers: { 'retry-after': '7' } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: false });
    const error = await client.clusters.create({ name: 'x', hypervisor: 'KVM' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterMs: 7000, outcomeUnknown: false });
  });

  it('retries an action (idempotency key) and a plain mutation after 429, waiting as Retry-After says', async () => {
    const started = { body: { data: { startCluster: OP } } };
    for (const [call, body] of [
      [(c: HaaasClient) => c.clusters.start('c1', { idempotencyKey: 'k1' }), started],
      [(c: HaaasClient) => c.clusters.create({ name: 'x', hypervisor: 'KVM' }), { body: { data: { createCluster: CLUSTER } } }],
    ] as const) {
      const fetch = scripted({ status: 429, body: '', headers: { 'retry-after': '0.2' } }, body);
      const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } });
      await expect(call(client)).resolves.toBeDefined();
      expect(fetch.calls).toHaveLength(2);
      // the backoff would have been 1 ms: the 200 ms come from Retry-After
      expect((fetch.calls[1]?.at ?? 0) - (fetch.calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(190);
      expect(fetch.calls[1]?.body.variables).toEqual(fetch.calls[0]?.body.variables);
    }
  });
});

describe('waitForOperation (point 8)', () => {
  it('looks once before the time limit applies: a finished operation resolves even with timeoutMs: 1', async () => {
    const fetch = scripted({ body: { data: { operation: OP } } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch });
    await expect(client.waitForOperation('op1', { timeoutMs: 1 })).resolves.toMatchObject({ state: 'SUCCEEDED' });
    expect(fetch.calls).toHaveLength(1);
  });

  it('still times out, with the last state seen, when the operation does not end', async () => {
    const fetch = scripted({ body: { data: { operation: { ...OP, state: 'RUNNING', progress: 10 } } } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch });
    const error = await client.waitForOperation('op1', { timeoutMs: 120 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'TIMEOUT', operation: { state: 'RUNNING' } });
  });

  it('polls soon after the first look, then less often (50 ms, growing by half, up to pollIntervalMs)', async () => {
    const running = { body: { data: { operation: { ...OP, state: 'RUNNING', updatedAt: 't0' } } } };
    const fetch = scripted(running, running, running, running, running, { body: { data: { operation: OP } } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch });
    await client.waitForOperation('op1');
    const gaps = fetch.calls.slice(1).map((c, i) => c.at - (fetch.calls[i]?.at ?? 0));
    expect(gaps).toHaveLength(5);
    // the old fixed 1 s interval would make the first gap 1000 ms
    expect(gaps[0]).toBeLessThan(500);
    expect(gaps[4]).toBeGreaterThan(gaps[0] ?? 0);
  });
});

describe('abort, timeout and missing pieces (point 9)', () => {
  it("instanceof holds for another copy's errors (CommonJS next to ESM): same kind in the chain, brand required", () => {
    // another copy of the SDK: its own classes, marked with the same registered symbols
    class OtherHaaasError extends Error {
      static readonly errorKind: string = 'HaaasError';
      constructor() {
        super('not found');
        Object.defineProperty(this, Symbol.for('@haaas/sdk:error'), { value: true });
      }
    }
    class OtherNotFoundError extends OtherHaaasError {
      static override readonly errorKind: string = 'NotFoundError';
    }
    const foreign = new OtherNotFoundError();
    expect(foreign instanceof NotFoundError).toBe(true);
    expect(foreign instanceof HaaasError).toBe(true);
    expect(foreign instanceof ConflictError).toBe(false);
    expect(new OtherHaaasError() instanceof NotFoundError).toBe(false);
    // without the brand, a look-alike is no SDK error
    class Unbranded extends Error {
      static readonly errorKind: string = 'NotFoundError';
    }
    expect(new Unbranded() instanceof NotFoundError).toBe(false);
    // this copy's own classes as before
    expect(new NotFoundError('x', { code: 'NOT_FOUND' }) instanceof ConflictError).toBe(false);
    expect(new NotFoundError('x', { code: 'NOT_FOUND' }) instanceof HaaasError).toBe(true);
  });

  it('an aborted call rejects with the SDK AbortError (the reason as cause), not a raw DOMException', async () => {
    const hang: FetchLike = (_url, init) => new Promise((_resolve, reject) => (init.signal?.aborted ? reject(init.signal.reason) : init.signal?.addEventListener('abort', () => reject(init.signal?.reason))));
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch: hang });
    const controller = new AbortController();
    const pending = client.clusters.get('c1', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toBeInstanceOf(HaaasError);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORTED', operationName: 'GetCluster' });
    expect((error as Error).cause).toBeInstanceOf(DOMException);
  });

  it('an AbortSignal.timeout() signal rejects with the SDK TimeoutError; so does waitForOperation', async () => {
    const hang: FetchLike = (_url, init) => new Promise((_resolve, reject) => (init.signal?.aborted ? reject(init.signal.reason) : init.signal?.addEventListener('abort', () => reject(init.signal?.reason))));
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch: hang });
    const error = await client.clusters.get('c1', { signal: AbortSignal.timeout(20) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
    expect(isHaaasError(error, 'TIMEOUT')).toBe(true);
  });

  it('isHaaasError recognises SDK errors by a shared brand, and nothing else', async () => {
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch: scripted({ status: 429, body: '' }), retry: false });
    const error = await client.clusters.get('c1').catch((e: unknown) => e);
    expect(isHaaasError(error)).toBe(true);
    expect(isHaaasError(error, 'RATE_LIMITED')).toBe(true);
    expect(isHaaasError(error, 'NOT_FOUND')).toBe(false);
    for (const other of [new Error('x'), { code: 'NOT_FOUND', name: 'HaaasError' }, null, 'HaaasError']) expect(isHaaasError(other)).toBe(false);
  });

  it('a subscription without a WebSocket says which option to pass, not graphql-ws internals', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    Reflect.deleteProperty(globalThis, 'WebSocket');
    try {
      const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch: scripted({ body: {} }) });
      const error = await client.subscribe(ClusterEventsDocument, { clusterId: 'c1' }).next().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HaaasError);
      expect(error).toMatchObject({ code: 'MISSING_DEPENDENCY' });
      expect((error as Error).message).toMatch(/webSocketImpl/);
      expect((error as Error).message).not.toMatch(/createClient/);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    }
  });
});

describe('client headers and hooks (point 10)', () => {
  it('names the SDK and its version, and calls the hooks around each attempt (retries included)', async () => {
    const before: OutgoingRequest[] = [];
    const after: AttemptResult[] = [];
    const fetch = scripted({ status: 503, body: '', headers: { 'x-request-id': 'r1' } }, { body: { data: { cluster: CLUSTER } }, headers: { 'x-request-id': 'r2' } });
    const client = new HaaasClient({
      url: 'http://api.test',
      token: 't',
      fetch,
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 },
      hooks: { beforeRequest: (r) => void (before.push(r), (r.headers['traceparent'] = `00-${r.attempt}`)), afterResponse: (r) => void after.push(r) },
    });
    await client.clusters.get('c1');
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
    expect(fetch.calls[0]?.headers).toMatchObject({ 'x-haaas-client': `haaas-sdk-typescript/${pkg.version}`, 'user-agent': expect.stringMatching(new RegExp(`^haaas-sdk-typescript/${pkg.version} node/`)) });
    expect(fetch.calls.map((c) => c.headers['traceparent'])).toEqual(['00-0', '00-1']);
    expect(before.map((b) => [b.operationName, b.kind, b.attempt])).toEqual([
      ['GetCluster', 'query', 0],
      ['GetCluster', 'query', 1],
    ]);
    expect(after.map((a) => [a.status, a.requestId, a.error?.code])).toEqual([
      [503, 'r1', 'NETWORK_ERROR'],
      [200, 'r2', undefined],
    ]);
  });

  it('writes a debug line per attempt with `debug`, after the user hooks, and never the token, variables or answer', async () => {
    const lines: string[] = [];
    const order: string[] = [];
    const fetch = scripted(
      { status: 503, body: '', headers: { 'x-request-id': 'r1' } },
      { body: { data: { cluster: CLUSTER } }, headers: { 'x-request-id': 'r2' } },
      { body: { errors: [{ message: 'Cluster not found', extensions: { code: 'NOT_FOUND' } }] } },
    );
    const client = new HaaasClient({
      url: 'http://api.test',
      token: 'sekret-token-1',
      fetch,
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 },
      hooks: { afterResponse: () => void order.push('hook') },
      debug: (line) => void (lines.push(line), order.push('debug')),
    });
    await client.clusters.get('secret-looking-id');
    await expect(client.clusters.get('c2')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(lines).toEqual([
      expect.stringMatching(/^haaas-sdk: query GetCluster attempt 1: HTTP 503 in \d+ ms request r1 NETWORK_ERROR: /),
      expect.stringMatching(/^haaas-sdk: query GetCluster attempt 2: HTTP 200 in \d+ ms request r2$/),
      expect.stringMatching(/^haaas-sdk: query GetCluster attempt 1: HTTP 200 in \d+ ms NOT_FOUND: Cluster not found$/),
    ]);
    expect(order).toEqual(['hook', 'debug', 'hook', 'debug', 'hook', 'debug']);
    expect(lines.join('\n')).not.toMatch(/sekret|secret-looking-id/);
  });

  it('writes debug lines to standard error with `debug: true`, and none without it', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await new HaaasClient({ url: 'http://api.test', token: 't', fetch: scripted({ body: { data: { cluster: CLUSTER } } }), debug: true }).clusters.get('c1');
      await new HaaasClient({ url: 'http://api.test', token: 't', fetch: scripted({ body: { data: { cluster: CLUSTER } } }) }).clusters.get('c1');
      expect(spy.mock.calls).toEqual([[expect.stringMatching(/^haaas-sdk: query GetCluster attempt 1: HTTP 200/)]]);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes list options and subscription options as a last argument too, as the README says', async () => {
    const fetch = scripted({ body: { data: { nodes: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch });
    const controller = new AbortController();
    await client.nodes.list({ clusterId: 'c1' }, { pageSize: 7, signal: controller.signal }).toArray();
    expect(fetch.calls[0]?.body.variables).toEqual({ filter: { clusterId: 'c1' }, first: 7, after: null });
    controller.abort();
    await expect(client.subscriptions.clusterEvents({ clusterId: 'c1' }, { signal: controller.signal }).next()).rejects.toBeInstanceOf(AbortError);
  });
});
