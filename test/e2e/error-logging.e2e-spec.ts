import { createConnection } from 'mysql2/promise';
import { LogCapture } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';

/**
 * What the API logs of failed requests, read from its real log output (Nest's logger on
 * stdout/stderr): client errors once, at info, without a stack; internal errors at error, with
 * the stack and the client's x-request-id, which the response carries too.
 */
describe('error logging', () => {
  let api: TestApi;
  let token: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    api = await startTestApi({}, { logs });
    token = await api.token('logging-co', ['admin']);
  });
  beforeEach(() => logs.clear());
  afterAll(async () => {
    await api?.close();
  });

  async function post(query: string, requestId?: string): Promise<{ status: number; body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }; header: string | null }> {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as never, header: res.headers.get('x-request-id') };
  }

  it('logs a client error once, at info level, without a stack', async () => {
    const res = await post('{ cluster(id: "01000000-0000-7000-8000-000000000000") { id } }', 'client-req-1');
    expect(res.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const mentions = logs.records.filter((r) => r.msg !== 'request completed' && (r.code !== undefined || /not found/i.test(r.msg ?? '')));
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatchObject({ level: 'info', code: 'NOT_FOUND', requestId: 'client-req-1', tenant: 'logging-co', operation: 'anonymous query', context: 'GraphQL' });
    expect(mentions[0]?.err).toBeUndefined();
    expect(logs.lines.some((l) => l.includes('    at '))).toBe(false);
    expect(logs.records.some((r) => r.level === 'error')).toBe(false);
    // pino-http's line for the request carries the same id
    expect(logs.records.some((r) => r.msg === 'request completed' && r.requestId === 'client-req-1')).toBe(true);
  });

  it('logs an internal error at error level with its stack and the client request id, which the response carries', async () => {
    // a broken database under a running API: the SQL error is what an internal error looks like
    const db = await createConnection(api.config.database.url);
    await db.query('RENAME TABLE clusters TO clusters_gone');
    try {
      const res = await post('{ clusters { nodes { id } } }', 'client-req-2');
      expect(res.body.errors?.[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'client-req-2' } });
      expect(res.header).toBe('client-req-2');
      expect(JSON.stringify(res.body)).not.toMatch(/clusters_gone|SELECT|\.ts:\d+/);
      const errors = logs.records.filter((r) => r.level === 'error' && r.msg !== 'request completed');
      // once: Nest's own handler does not log it a second time
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ requestId: 'client-req-2', context: 'GraphQL' });
      expect(errors[0]?.err?.message).toMatch(/internal error.*client-req-2/);
      expect(errors[0]?.err?.stack).toMatch(/\n\s+at /);

      // without a request id of its own, the generated one is on both the log line and the response
      logs.clear();
      const anon = await post('{ clusters { nodes { id } } }');
      const generated = anon.body.errors?.[0]?.extensions?.['requestId'];
      expect(typeof generated).toBe('string');
      expect(anon.header).toBe(generated);
      expect(logs.records.some((r) => r.level === 'error' && r.requestId === generated && r.err?.stack !== undefined)).toBe(true);
    } finally {
      await db.query('RENAME TABLE clusters_gone TO clusters');
      await db.end();
    }
  });
});
