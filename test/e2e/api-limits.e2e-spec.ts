import WebSocket from 'ws';
import { startTestApi, TestApi } from './support/api';

/**
 * clusters → nodes → cluster → nodes …: the attack query of issue 12, depth 1 + 3 × hops (34 at
 * 11 hops). On a 3-node cluster it reads 3^hops nodes.
 */
export function fanOutQuery(hops: number, first?: number): string {
  const page = first === undefined ? '' : `(first: ${first})`;
  let inner = `nodes${page} { nodes { id hostname } }`;
  for (let i = 1; i < hops; i++) inner = `nodes${page} { nodes { id hostname cluster { name ${inner} } } }`;
  return `{ clusters { nodes { ${inner} } } }`;
}

async function seedCluster(api: TestApi, token: string, nodes: number): Promise<{ clusterId: string; nodeIds: string[] }> {
  const { createCluster } = await api.ok<{ createCluster: { id: string } }>(token, 'mutation { createCluster(input: { name: "limits", hypervisor: KVM }) { id } }');
  const nodeIds: string[] = [];
  for (let i = 0; i < nodes; i++) {
    const { joinNode: createNode } = await api.ok<{ joinNode: { id: string } }>(
      token,
      `mutation($c: ID!, $h: String!) { joinNode(input: { clusterId: $c, hostname: $h, kind: PHYSICAL, endpoint: { uri: "qemu+ssh://x/system", username: "root", password: "pw" }, capacity: { cpus: 4, memoryMb: 4096 } }) { id } }`,
      { c: createCluster.id, h: `n${i}.example.com` },
    );
    nodeIds.push(createNode.id);
  }
  return { clusterId: createCluster.id, nodeIds };
}

describe('API hardening: id forms and query limits (defaults)', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.token('limits-co', ['admin']);
    await seedCluster(api, token, 3);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers a malformed id with BAD_USER_INPUT naming the field, in arguments and inside inputs, literal or variable', async () => {
    const direct = await api.gql(token, 'mutation { issueNodeAgentToken(nodeId: "abc") { token } }');
    expect(direct.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'nodeId' }] });
    const inInput = await api.gql(token, 'mutation($c: ID!) { joinNode(input: { clusterId: $c, hostname: "x.example.com", kind: PHYSICAL, endpoint: { uri: "qemu+ssh://x/system" }, capacity: { cpus: 1, memoryMb: 1 } }) { id } }', { c: "1' OR 1=1" });
    expect(inInput.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'input.clusterId' }] });
    const inList = await api.gql(token, 'query { node(id: "../../etc/passwd") { id } }');
    expect(inList.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // a well-formed id of nothing stays NOT_FOUND, a tenant id keeps its own form
    const unknown = await api.gql(token, 'query { node(id: "01000000-0000-7000-8000-000000000000") { id } }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const tenant = await api.gql(token, 'query { tenant(id: "limits-co") { id } }');
    expect(tenant.errors).toBeUndefined();
  });

  it('refuses the depth-34 fan-out before running it, with QUERY_TOO_COMPLEX and the limit', async () => {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: fanOutQuery(11) }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { data?: unknown; errors: { extensions: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', actual: 34, maximum: 12 });
  });

  it('refuses too many aliases', async () => {
    const query = `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: clusters { nodes { id } }`).join(' ')} }`;
    const res = await api.gql(token, query);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', actual: 51, maximum: 50 });
    const fine = await api.gql(token, `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: clusters { nodes { id } }`).join(' ')} }`);
    expect(fine.errors).toBeUndefined();
  });

  it('refuses a shallow query whose lists multiply past the cost limit, counting `first` from variables', async () => {
    const query = 'query($n: Int!) { clusters(first: $n) { nodes { nodes(first: $n) { nodes { id cluster { services(first: $n) { nodes { id } } } } } } } }';
    const refused = await api.gql(token, query, { n: 500 });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', maximum: 100_000 });
    expect(refused.errors?.[0]?.extensions?.['cost']).toBeGreaterThan(100_000);
    expect(await api.gql(token, query, { n: 5 })).not.toHaveProperty('errors');
  });

  it('applies the same limits over graphql-ws, and closes a connection whose message is over the HTTP body limit', async () => {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: { type: string; id?: string; payload?: unknown }[] = [];
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await waitFor(() => messages.some((m) => m.type === 'connection_ack'));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'deep', payload: { query: fanOutQuery(11) } }));
    await waitFor(() => messages.some((m) => m.id === 'deep'));
    const deep = messages.find((m) => m.id === 'deep');
    expect(deep).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth' } }] });
    ws.send(JSON.stringify({ type: 'subscribe', id: 'big', payload: { query: `{ clusters { nodes { id } } } # ${'x'.repeat(101 * 1024)}` } }));
    expect(await closed).toBe(1009);
  });

  it('serves no X-Powered-By header', async () => {
    const res = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query":"{ clusters { nodes { id } } }"}' });
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('API hardening: production switches and the execution deadline', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    // the query limits opened wide, so only the deadline stands between the fan-out and a stall
    api = await startTestApi({
      HAAAS_GRAPHQL_INTROSPECTION: 'false',
      HAAAS_QUERY_MAX_DEPTH: '0',
      HAAAS_QUERY_MAX_COST: '0',
      HAAAS_REQUEST_DEADLINE_MS: '2000', // above what seeding takes on a loaded machine
    });
    token = await api.token('deadline-co', ['admin']);
    await seedCluster(api, token, 3);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses introspection when configured off (the production default)', async () => {
    const res = await api.gql(token, '{ __schema { queryType { name } } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const landing = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await landing.text()).not.toMatch(/graphiql|sandbox/i);
  });

  it('stops a request at its deadline and answers it with DEADLINE_EXCEEDED alone, the process staying responsive', async () => {
    const pending = api.gql(token, fanOutQuery(11));
    // while it runs, the process answers others (the fan-out awaits its loaders level by level)
    const live = await fetch(`${api.url}/health/live`);
    expect(live.status).toBe(200);
    const res = await pending;
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'DEADLINE_EXCEEDED', deadlineMs: 2000 });
    expect((await api.gql(token, '{ clusters { nodes { name } } }')).data).toEqual({ clusters: { nodes: [{ name: 'limits' }] } });
  });

  it('stops a query sent over graphql-ws at the same deadline, with DEADLINE_EXCEEDED alone, the connection staying usable', async () => {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: { type: string; id?: string; payload?: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] } }[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
    await new Promise((resolve) => ws.once('open', resolve));
    try {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      await waitFor(() => messages.some((m) => m.type === 'connection_ack'));
      const started = Date.now();
      ws.send(JSON.stringify({ type: 'subscribe', id: 'slow', payload: { query: fanOutQuery(11) } }));
      await waitFor(() => messages.some((m) => m.id === 'slow' && m.type === 'complete'), 30_000);
      const elapsed = Date.now() - started;
      const answers = messages.filter((m) => m.id === 'slow' && m.type === 'next');
      expect(answers).toHaveLength(1);
      expect(answers[0]?.payload?.data).toBeNull();
      expect(answers[0]?.payload?.errors).toHaveLength(1);
      expect(answers[0]?.payload?.errors?.[0]?.extensions).toMatchObject({ code: 'DEADLINE_EXCEEDED', deadlineMs: 2000, requestId: expect.any(String) });
      // stopped near its deadline (the unbounded fan-out reads 3^11 nodes), not run to the end
      expect(elapsed).toBeLessThan(10_000);
      ws.send(JSON.stringify({ type: 'subscribe', id: 'after', payload: { query: '{ clusters { nodes { name } } }' } }));
      await waitFor(() => messages.some((m) => m.id === 'after' && m.type === 'next'));
      expect(messages.find((m) => m.id === 'after' && m.type === 'next')?.payload).toEqual({ data: { clusters: { nodes: [{ name: 'limits' }] } } });
    } finally {
      ws.close();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
