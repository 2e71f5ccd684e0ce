/**
 * waitForOperation, idempotent actions and resuming subscriptions, against a scripted fetch and a
 * scripted graphql-ws server: the cases the live API does not produce on demand (a socket that
 * drops mid-stream, a stream ended by token expiry, a network error during an action).
 */
import { HaaasClient, NetworkError, NotFoundError, OperationFailedError, type FetchLike, type Operation } from '@haaas/sdk';

const OP: Operation = {
  id: 'op1',
  kind: 'SERVICE_RELOCATE',
  state: 'PENDING',
  progress: 0,
  target: { type: 'SERVICE', id: 's1' },
  clusterId: 'c1',
  targetNodeId: null,
  steps: [],
  error: null,
  attempts: 0,
  requestedBy: 'me',
  createdAt: 't0',
  startedAt: null,
  finishedAt: null,
  updatedAt: 't0',
};
const at = (n: number, changes: Partial<Operation>): Operation => ({ ...OP, ...changes, updatedAt: `t${n}` });

/** Answers each request with the next of `bodies` (the last one repeats), noting the requests. */
function scriptedFetch(...bodies: (object | Error)[]): FetchLike & { requests: { query: string; variables: Record<string, unknown> }[] } {
  const requests: { query: string; variables: Record<string, unknown> }[] = [];
  const fn: FetchLike = async (_url, init) => {
    requests.push(JSON.parse(init.body) as { query: string; variables: Record<string, unknown> });
    const body = bodies.length > 1 ? bodies.shift() : bodies[0];
    if (body instanceof Error) throw body;
    const text = JSON.stringify(body);
    return { status: 200, headers: { get: () => null }, text: async () => text };
  };
  return Object.assign(fn, { requests });
}

describe('waitForOperation (polling)', () => {
  it('polls until the operation ends, calling onProgress at each change, and resolves with it', async () => {
    const fetch = scriptedFetch(
      { data: { operation: at(1, {}) } },
      { data: { operation: at(1, {}) } },
      { data: { operation: at(2, { state: 'RUNNING', progress: 50 }) } },
      { data: { operation: at(3, { state: 'SUCCEEDED', progress: 100 }) } },
    );
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch });
    const seen: number[] = [];
    const done = await client.waitForOperation('op1', { pollIntervalMs: 1, onProgress: (o) => seen.push(o.progress) });
    expect(done).toMatchObject({ state: 'SUCCEEDED', progress: 100 });
    expect(seen).toEqual([0, 50, 100]);
    expect(fetch.requests).toHaveLength(4);
  });

  it('rejects with OperationFailedError carrying the operation, unless resolveOnFailure', async () => {
    const failed = at(2, { state: 'FAILED', progress: 100, error: 'target node refused' });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch: scriptedFetch({ data: { operation: failed } }) });
    const error = await client.waitForOperation('op1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect((error as OperationFailedError).operation).toEqual(failed);
    expect((error as OperationFailedError).message).toContain('target node refused');
    await expect(client.waitForOperation('op1', { resolveOnFailure: true })).resolves.toEqual(failed);
  });

  it('rejects with the typed error of a failed read (an unknown id)', async () => {
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch: scriptedFetch({ errors: [{ message: 'no', extensions: { code: 'NOT_FOUND' } }] }) });
    await expect(client.waitForOperation('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('actions carry an idempotency key', () => {
  it('makes one when none is given and retries after a network error with the same key', async () => {
    const fetch = scriptedFetch(new TypeError('fetch failed'), { data: { relocateService: OP } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 } });
    await expect(client.services.relocate('s1', { targetNodeId: 'n2' })).resolves.toEqual(OP);
    const keys = fetch.requests.map((r) => r.variables['idempotencyKey']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toEqual(expect.any(String));
    expect(keys[1]).toBe(keys[0]);
    expect(fetch.requests[0]?.variables).toMatchObject({ id: 's1', targetNodeId: 'n2' });
  });

  it("sends the caller's key as is", async () => {
    const fetch = scriptedFetch({ data: { startCluster: OP } });
    await new HaaasClient({ url: 'http://api.test', token: 't', fetch }).clusters.start('c1', { idempotencyKey: 'deploy-42' });
    expect(fetch.requests[0]?.variables).toEqual({ id: 'c1', idempotencyKey: 'deploy-42' });
  });
});

type ServerMessage = { id?: string; type: string; payload?: unknown };
type Script = (socket: { subscribe: { id: string; variables: Record<string, unknown> }; init: Record<string, unknown>; send(m: ServerMessage): void; drop(): void }) => void;

/**
 * A graphql-transport-ws server in a WebSocket class: each connection runs the next script with
 * the connection's init payload and its subscription.
 */
function scriptedServer(...scripts: Script[]): { WebSocketImpl: unknown; connections: { init: Record<string, unknown>; variables: Record<string, unknown> }[] } {
  const connections: { init: Record<string, unknown>; variables: Record<string, unknown> }[] = [];
  class ScriptedSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = 0;
    onopen: (() => void) | null = null;
    onmessage: ((event: { data: string }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    private init: Record<string, unknown> = {};
    constructor() {
      setTimeout(() => {
        this.readyState = ScriptedSocket.OPEN;
        this.onopen?.();
      });
    }
    private deliver(m: ServerMessage): void {
      setTimeout(() => this.readyState === ScriptedSocket.OPEN && this.onmessage?.({ data: JSON.stringify(m) }));
    }
    send(data: string): void {
      const msg = JSON.parse(data) as { id: string; type: string; payload?: { variables?: Record<string, unknown> } & Record<string, unknown> };
      if (msg.type === 'connection_init') {
        this.init = msg.payload ?? {};
        this.deliver({ type: 'connection_ack' });
      } else if (msg.type === 'subscribe') {
        const variables = msg.payload?.variables ?? {};
        connections.push({ init: this.init, variables });
        const script = scripts.length > 1 ? scripts.shift() : scripts[0];
        script?.({
          subscribe: { id: msg.id, variables },
          init: this.init,
          send: (m) => this.deliver(m),
          drop: () => setTimeout(() => this.close(1006, 'gone')),
        });
      }
    }
    close(code = 1000, reason = ''): void {
      if (this.readyState === ScriptedSocket.CLOSED) return;
      this.readyState = ScriptedSocket.CLOSED;
      setTimeout(() => this.onclose?.({ code, reason }));
    }
  }
  return { WebSocketImpl: ScriptedSocket, connections };
}

const event = (id: string) => ({ id, type: 'node.joined', at: 'x', actor: 'a', objectType: 'Node', objectId: 'n', nodeId: 'n', serviceId: null, message: null, before: null, after: null });

describe('subscriptions that resume', () => {
  it('clusterEvents reconnects after a dropped socket, resumes after the last event, and skips repeats', async () => {
    const server = scriptedServer(
      ({ subscribe, send, drop }) => {
        send({ id: subscribe.id, type: 'next', payload: { data: { clusterEvents: event('e1') } } });
        send({ id: subscribe.id, type: 'next', payload: { data: { clusterEvents: event('e2') } } });
        setTimeout(drop, 5);
      },
      ({ subscribe, send }) => {
        // the server may send again what came just before the drop
        send({ id: subscribe.id, type: 'next', payload: { data: { clusterEvents: event('e2') } } });
        send({ id: subscribe.id, type: 'next', payload: { data: { clusterEvents: event('e3') } } });
      },
    );
    const client = new HaaasClient({ url: 'http://api.test', token: 't', webSocketImpl: server.WebSocketImpl, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } });
    const ids: string[] = [];
    for await (const e of client.subscriptions.clusterEvents({ clusterId: 'c1', after: 'e0' })) {
      ids.push(e.id);
      if (e.id === 'e3') break;
    }
    expect(ids).toEqual(['e1', 'e2', 'e3']);
    expect(server.connections.map((c) => c.variables)).toEqual([
      { clusterId: 'c1', after: 'e0' },
      { clusterId: 'c1', after: 'e2' },
    ]);
    expect(server.connections[0]?.init).toEqual({ authorization: 'Bearer t' });
  });

  it('operationUpdated subscribes again with a fresh token when the API ends the stream at token expiry, and ends with the operation', async () => {
    const server = scriptedServer(
      ({ subscribe, send }) => {
        send({ id: subscribe.id, type: 'next', payload: { data: { operationUpdated: at(1, { state: 'RUNNING', progress: 10 }) } } });
        // the token expired: the API completes the stream although the operation goes on
        send({ id: subscribe.id, type: 'complete' });
      },
      ({ subscribe, send }) => {
        send({ id: subscribe.id, type: 'next', payload: { data: { operationUpdated: at(1, { state: 'RUNNING', progress: 10 }) } } });
        send({ id: subscribe.id, type: 'next', payload: { data: { operationUpdated: at(2, { state: 'SUCCEEDED', progress: 100 }) } } });
        send({ id: subscribe.id, type: 'complete' });
      },
    );
    const refreshes: boolean[] = [];
    const token = async ({ refresh }: { refresh: boolean }) => (refreshes.push(refresh), refresh ? 'fresh' : 'old');
    // the first look (over HTTP) sees it RUNNING at 10 %; the rest comes over the socket
    const fetch = scriptedFetch({ data: { operation: at(1, { state: 'RUNNING', progress: 10 }) } });
    const client = new HaaasClient({ url: 'http://api.test', token, fetch, webSocketImpl: server.WebSocketImpl });
    const seen: number[] = [];
    const done = await client.waitForOperation('op1', { live: true, onProgress: (o) => seen.push(o.progress) });
    expect(done.state).toBe('SUCCEEDED');
    expect(seen).toEqual([10, 100]);
    expect(fetch.requests).toHaveLength(1);
    expect(server.connections.map((c) => c.init['authorization'])).toEqual(['Bearer old', 'Bearer fresh']);
    // the HTTP look, the first socket, then the socket that replaced it
    expect(refreshes).toEqual([false, false, true]);
  });

  it('ends with the typed error the API sends, and gives up reconnecting after the retries', async () => {
    const refused = scriptedServer(({ subscribe, send }) => send({ id: subscribe.id, type: 'error', payload: [{ message: 'Cluster c9 not found', extensions: { code: 'NOT_FOUND', requestId: 'r9' } }] }));
    const client = new HaaasClient({ url: 'http://api.test', token: 't', webSocketImpl: refused.WebSocketImpl });
    const iterate = async () => {
      for await (const _ of client.subscriptions.clusterEvents({ clusterId: 'c9' })) return;
    };
    await expect(iterate()).rejects.toMatchObject({ constructor: NotFoundError, requestId: 'r9' });

    const dropping = scriptedServer(({ drop }) => drop());
    const flaky = new HaaasClient({ url: 'http://api.test', token: 't', webSocketImpl: dropping.WebSocketImpl, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 } });
    const iterateFlaky = async () => {
      for await (const _ of flaky.subscriptions.clusterEvents({ clusterId: 'c1' })) return;
    };
    await expect(iterateFlaky()).rejects.toBeInstanceOf(NetworkError);
    expect(dropping.connections).toHaveLength(3);
  });
});

describe('waitForOperation follows live by default (point 8)', () => {
  const running = { data: { operation: at(1, { state: 'RUNNING', progress: 10 }) } };
  const endsLive: Script = ({ subscribe, send }) => {
    send({ id: subscribe.id, type: 'next', payload: { data: { operationUpdated: at(1, { state: 'RUNNING', progress: 10 }) } } });
    setTimeout(() => send({ id: subscribe.id, type: 'next', payload: { data: { operationUpdated: at(2, { state: 'SUCCEEDED', progress: 100 }) } } }), 20);
    setTimeout(() => send({ id: subscribe.id, type: 'complete' }), 25);
  };

  /** Runs `fn` with no global WebSocket (Node 22 has one; Node 20 none). */
  async function withoutGlobalWebSocket<T>(fn: () => Promise<T>): Promise<T> {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    Reflect.deleteProperty(globalThis, 'WebSocket');
    try {
      return await fn();
    } finally {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    }
  }

  it('looks once over HTTP, then follows the operationUpdated subscription, with no option', async () => {
    const server = scriptedServer(endsLive);
    const fetch = scriptedFetch(running);
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, webSocketImpl: server.WebSocketImpl });
    const seen: string[] = [];
    const done = await client.waitForOperation('op1', { onProgress: (o) => seen.push(o.state) });
    expect(done.state).toBe('SUCCEEDED');
    expect(seen).toEqual(['RUNNING', 'SUCCEEDED']);
    // no polling: one HTTP request (the first look), one subscription
    expect(fetch.requests).toHaveLength(1);
    expect(server.connections).toEqual([{ init: { authorization: 'Bearer t' }, variables: { id: 'op1' } }]);
  });

  it('answers a finished operation from the first look, opening no socket, even with timeoutMs: 1', async () => {
    const server = scriptedServer(endsLive);
    const fetch = scriptedFetch({ data: { operation: at(2, { state: 'SUCCEEDED', progress: 100 }) } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, webSocketImpl: server.WebSocketImpl });
    await expect(client.waitForOperation('op1', { timeoutMs: 1 })).resolves.toMatchObject({ state: 'SUCCEEDED' });
    expect(fetch.requests).toHaveLength(1);
    expect(server.connections).toHaveLength(0);
  });

  it('falls back to polling where there is no WebSocket, unless live: true was asked for', async () => {
    await withoutGlobalWebSocket(async () => {
      const fetch = scriptedFetch(running, running, { data: { operation: at(2, { state: 'SUCCEEDED', progress: 100 }) } });
      const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch });
      await expect(client.waitForOperation('op1')).resolves.toMatchObject({ state: 'SUCCEEDED' });
      expect(fetch.requests).toHaveLength(3);

      const strict = new HaaasClient({ url: 'http://api.test', token: 't', fetch: scriptedFetch(running) });
      await expect(strict.waitForOperation('op1', { live: true })).rejects.toMatchObject({ code: 'MISSING_DEPENDENCY' });
    });
  });

  it('falls back to polling when the socket cannot be kept up through the retries, and never polls with live: false', async () => {
    const dropping = scriptedServer(({ drop }) => drop());
    const fetch = scriptedFetch(running, { data: { operation: at(2, { state: 'SUCCEEDED', progress: 100 }) } });
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, webSocketImpl: dropping.WebSocketImpl, retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } });
    await expect(client.waitForOperation('op1')).resolves.toMatchObject({ state: 'SUCCEEDED' });
    expect(dropping.connections).toHaveLength(2);
    expect(fetch.requests).toHaveLength(2);

    const unused = scriptedServer(endsLive);
    const polling = new HaaasClient({ url: 'http://api.test', token: 't', fetch: scriptedFetch(running, { data: { operation: at(2, { state: 'SUCCEEDED', progress: 100 }) } }), webSocketImpl: unused.WebSocketImpl });
    await expect(polling.waitForOperation('op1', { live: false })).resolves.toMatchObject({ state: 'SUCCEEDED' });
    expect(unused.connections).toHaveLength(0);
  });

  it('a typed refusal over the socket ends the wait with that error (no fallback)', async () => {
    const refused = scriptedServer(({ subscribe, send }) => send({ id: subscribe.id, type: 'error', payload: [{ message: 'Operation op1 not found', extensions: { code: 'NOT_FOUND' } }] }));
    const fetch = scriptedFetch(running);
    const client = new HaaasClient({ url: 'http://api.test', token: 't', fetch, webSocketImpl: refused.WebSocketImpl });
    await expect(client.waitForOperation('op1')).rejects.toBeInstanceOf(NotFoundError);
    expect(fetch.requests).toHaveLength(1);
  });
});
