/**
 * The client's HTTP behaviour against a scripted fetch: error classes per code, request ids,
 * retries (queries only), token refresh, aborts, and lazy paging. The live API is in the e2e specs.
 */
import {
  BadUserInputError,
  ConflictError,
  CreateClusterDocument,
  ForbiddenError,
  GetClusterDocument,
  HaaasClient,
  HaaasError,
  InternalError,
  InvalidRequestError,
  NetworkError,
  NotFoundError,
  PreconditionFailedError,
  QuotaExceededError,
  UnauthenticatedError,
  TypedDocumentString,
  type FetchLike,
  type ResponseLike,
} from '@haaas/sdk';

type Reply = { status?: number; body?: unknown; headers?: Record<string, string> } | Error;

/** A fetch that answers from a script and records each request. */
function scripted(...replies: Reply[]): FetchLike & { calls: { headers: Record<string, string>; body: { query: string; variables: Record<string, unknown>; operationName?: string } }[] } {
  const calls: { headers: Record<string, string>; body: { query: string; variables: Record<string, unknown>; operationName?: string } }[] = [];
  const fn = async (_url: string, init: { headers: Record<string, string>; body: string }): Promise<ResponseLike> => {
    calls.push({ headers: init.headers, body: JSON.parse(init.body) as (typeof calls)[number]['body'] });
    const reply = replies.length > 1 ? replies.shift() : replies[0];
    if (!reply) throw new Error('script ran out');
    if (reply instanceof Error) throw reply;
    const headers = new Map(Object.entries(reply.headers ?? {}));
    return {
      status: reply.status ?? 200,
      headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
      text: async () => (typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)),
    };
  };
  return Object.assign(fn, { calls });
}

const gqlError = (code: string, extra: Record<string, unknown> = {}, message = `${code} happened`) => ({ errors: [{ message, extensions: { code, requestId: 'req-1', ...extra } }], data: null });
const CLUSTER = { id: 'c1', name: 'east', description: null, hypervisor: 'KVM', state: 'STOPPED', attributes: [], policy: { heartbeatIntervalSeconds: 1, deadtimeSeconds: 10, fencingRequired: true, minHealthyNodes: 2 }, status: { state: 'STOPPED', quorate: false, quorum: 1, totalNodes: 0, healthyNodes: 0, nodesByStatus: [] }, createdAt: 'x', updatedAt: 'x' };
const fast = { retries: 3, minDelayMs: 1, maxDelayMs: 2 };

describe('HaaasClient over a scripted fetch', () => {
  it('sends the token, the operation name and the variables to <url>/graphql', async () => {
    const fetch = scripted({ body: { data: { cluster: CLUSTER } } });
    const client = new HaaasClient({ url: 'http://api.test:4000', token: 'tok', fetch, headers: { 'x-extra': '1' }, tenant: 'other' });
    expect(client.endpoint).toBe('http://api.test:4000/graphql');
    await expect(client.clusters.get('c1')).resolves.toEqual(CLUSTER);
    expect(fetch.calls[0]?.headers).toMatchObject({ authorization: 'Bearer tok', 'content-type': 'application/json', 'x-extra': '1', 'x-haaas-tenant': 'other' });
    expect(fetch.calls[0]?.body).toMatchObject({ operationName: 'GetCluster', variables: { id: 'c1' } });
    expect(fetch.calls[0]?.body.query).toContain('fragment ClusterFields on Cluster');
  });

  it.each([
    ['BAD_USER_INPUT', BadUserInputError],
    ['UNAUTHENTICATED', UnauthenticatedError],
    ['FORBIDDEN', ForbiddenError],
    ['NOT_FOUND', NotFoundError],
    ['CONFLICT', ConflictError],
    ['QUOTA_EXCEEDED', QuotaExceededError],
    ['PRECONDITION_FAILED', PreconditionFailedError],
    ['INTERNAL_SERVER_ERROR', InternalError],
    ['GRAPHQL_VALIDATION_FAILED', InvalidRequestError],
  ] as const)('maps %s to its own class, with the request id', async (code, Class) => {
    const client = new HaaasClient({ url: 'http://api.test/graphql', token: 't', fetch: scripted({ body: gqlError(code) }), retry: false });
    const error = await client.clusters.create({ name: 'x', hypervisor: 'KVM' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(HaaasError);
    expect(error).toMatchObject({ code, requestId: 'req-1', operationName: 'CreateCluster', message: `${code} happened` });
  });

  it('keeps an unknown code as a plain HaaasError', async () => {
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch: scripted({ body: gqlError('TEAPOT') }) });
    const error = await client.clusters.create({ name: 'x', hypervisor: 'KVM' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HaaasError);
    expect((error as HaaasError).code).toBe('TEAPOT');
  });

  it('gives the problems of BAD_USER_INPUT and the details of NOT_FOUND and QUOTA_EXCEEDED', async () => {
    const problems = [{ field: 'name', message: 'bad' }, { field: 'policy.deadtimeSeconds', message: 'too low' }];
    const fetch = scripted({ body: gqlError('BAD_USER_INPUT', { problems }) }, { body: gqlError('NOT_FOUND', { kind: 'Cluster', id: 'c9' }) }, { body: gqlError('QUOTA_EXCEEDED', { what: 'clusters', limit: 20 }) });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch });
    const bad = (await client.clusters.create({ name: '-', hypervisor: 'KVM' }).catch((e: unknown) => e)) as BadUserInputError;
    expect(bad.problems).toEqual(problems);
    const missing = (await client.clusters.get('c9').catch((e: unknown) => e)) as NotFoundError;
    expect([missing.kind, missing.id]).toEqual(['Cluster', 'c9']);
    const quota = (await client.clusters.create({ name: 'y', hypervisor: 'KVM' }).catch((e: unknown) => e)) as QuotaExceededError;
    expect([quota.what, quota.limit]).toEqual(['clusters', 20]);
  });

  it('takes the request id from the x-request-id header when the error has none', async () => {
    const fetch = scripted({ body: { errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] }, headers: { 'x-request-id': 'hdr-7' } });
    const error = (await new HaaasClient({ url: 'http://api.test', token: 't', fetch }).clusters.get('c').catch((e: unknown) => e)) as HaaasError;
    expect(error.requestId).toBe('hdr-7');
  });

  it('retries a query after network errors, 5xx, 429, INTERNAL_SERVER_ERROR and UNAVAILABLE, then succeeds', async () => {
    const fetch = scripted(
      new TypeError('fetch failed'),
      { status: 503, body: 'busy' },
      { status: 429, body: '', headers: { 'retry-after': '0' } },
      { body: gqlError('INTERNAL_SERVER_ERROR') },
      // the API's answer while its database or Redis fails over
      { body: gqlError('UNAVAILABLE') },
      { body: { data: { cluster: CLUSTER } } },
    );
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: { retries: 5, minDelayMs: 1, maxDelayMs: 2 } });
    await expect(client.clusters.get('c1')).resolves.toEqual(CLUSTER);
    expect(fetch.calls).toHaveLength(6);
  });

  it('gives up on a query after the configured retries with a NetworkError', async () => {
    const fetch = scripted({ status: 502, body: '<html>bad gateway</html>' });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: fast });
    const error = (await client.clusters.get('c1').catch((e: unknown) => e)) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ status: 502, outcomeUnknown: false });
    expect(fetch.calls).toHaveLength(4);
  });

  it('never retries a mutation, and says its outcome is unknown after a network error', async () => {
    for (const reply of [new TypeError('fetch failed'), { status: 503, body: 'busy' }, { body: gqlError('INTERNAL_SERVER_ERROR') }] as Reply[]) {
      const fetch = scripted(reply, { body: { data: { createCluster: CLUSTER } } });
      const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: fast });
      const error = await client.clusters.create({ name: 'x', hypervisor: 'KVM' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HaaasError);
      expect(fetch.calls).toHaveLength(1);
      if (error instanceof NetworkError) expect(error.outcomeUnknown).toBe(true);
    }
  });

  it('does not retry errors that repeat the same way (NOT_FOUND, BAD_USER_INPUT)', async () => {
    const fetch = scripted({ body: gqlError('NOT_FOUND') });
    await expect(new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: fast }).clusters.get('c1')).rejects.toBeInstanceOf(NotFoundError);
    expect(fetch.calls).toHaveLength(1);
  });

  it('asks a token callback before each request and for a fresh token once after UNAUTHENTICATED, mutations included', async () => {
    const asked: boolean[] = [];
    const token = async ({ refresh }: { refresh: boolean }) => (asked.push(refresh), refresh ? 'fresh' : 'stale');
    const fetch = scripted({ body: gqlError('UNAUTHENTICATED') }, { body: { data: { createCluster: CLUSTER } } });
    const client = new HaaasClient({ url: 'http://api.test', token, fetch });
    await expect(client.clusters.create({ name: 'x', hypervisor: 'KVM' })).resolves.toEqual(CLUSTER);
    expect(asked).toEqual([false, true]);
    expect(fetch.calls.map((c) => c.headers['authorization'])).toEqual(['Bearer stale', 'Bearer fresh']);

    const refused = scripted({ body: gqlError('UNAUTHENTICATED') });
    await expect(new HaaasClient({ url: 'http://api.test', token, fetch: refused }).clusters.get('c')).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(refused.calls).toHaveLength(2);
  });

  it('rejects with the abort reason when the caller aborts, also during a backoff', async () => {
    const controller = new AbortController();
    const fetch = scripted({ status: 503, body: '' });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: { retries: 5, minDelayMs: 10_000, maxDelayMs: 10_000 } });
    const pending = client.clusters.get('c1', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 20);
    await expect(pending).rejects.toThrow('user gave up');
    expect(fetch.calls).toHaveLength(1);
  });

  it('times out a hanging attempt as a NetworkError', async () => {
    const hang: FetchLike = (_url, init) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch: hang, timeoutMs: 20, retry: false });
    await expect(client.clusters.get('c1')).rejects.toThrow(/within 20 ms/);
  });

  it('pages lazily: nothing before iteration, each next page only when needed, `limit` respected', async () => {
    const page = (ids: string[], next: string | null) => ({ body: { data: { clusters: { nodes: ids.map((id) => ({ ...CLUSTER, id })), pageInfo: { hasNextPage: next !== null, endCursor: next } } } } });
    const fetch = scripted(page(['a', 'b'], 'cur1'), page(['c', 'd'], 'cur2'), page(['e'], null));
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, pageSize: 2 });
    const list = client.clusters.list({ nameContains: 'x' });
    expect(fetch.calls).toHaveLength(0);
    const seen: string[] = [];
    for await (const c of list) {
      seen.push(c.id);
      if (c.id === 'c') break;
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(fetch.calls.map((c) => c.body.variables)).toEqual([
      { filter: { nameContains: 'x' }, first: 2, after: null },
      { filter: { nameContains: 'x' }, first: 2, after: 'cur1' },
    ]);
  });

  it('types request() by its document', async () => {
    const fetch = scripted({ body: { data: { cluster: CLUSTER } } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch });
    const data = await client.request(GetClusterDocument, { id: 'c1' });
    expect(data.cluster.name).toBe('east');
    // @ts-expect-error the variables of GetCluster are required
    await client.request(GetClusterDocument).catch(() => undefined);
    // @ts-expect-error CreateCluster takes `input`, not `id`
    await client.request(CreateClusterDocument, { id: 'x' }).catch(() => undefined);
  });
});

describe('documents of any shape', () => {
  // the kind decides about retries (queries only) and the name is sent as operationName; both are
  // read from the text without graphql's parser, which the SDK does not ship
  it.each([
    ['query A { a }', 'query', 'A'],
    ['mutation B($x: Int) { b(x: $x) }', 'mutation', 'B'],
    ['fragment F on T { f { g } }\nmutation C { c { ...F } }', 'mutation', 'C'],
    ['# mutation in a comment\n{ a }', 'query', undefined],
    ['"""mutation"""\nquery D { d(s: "mutation {") }', 'query', 'D'],
  ])('%j is a %s named %s', async (doc, kind, name) => {
    const fetch = scripted({ status: 503, body: '' });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } });
    await expect(client.request(new TypedDocumentString<unknown, Record<string, never>>(doc))).rejects.toBeInstanceOf(NetworkError);
    expect(fetch.calls).toHaveLength(kind === 'query' ? 2 : 1);
    expect(fetch.calls[0]?.body.operationName).toBe(name);
  });
});
