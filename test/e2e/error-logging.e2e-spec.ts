import { createConnection } from 'mysql2/promise';
import { startTestApi, TestApi } from './support/api';

/**
 * What the API logs of failed requests, read from its real log output (Nest's logger on
 * stdout/stderr): client errors once, at info, without a stack; internal errors at error, with
 * the stack and the client's x-request-id, which the response carries too.
 */
describe('error logging', () => {
  let api: TestApi;
  let token: string;
  let lines: string[];
  const writes: jest.SpyInstance[] = [];

  beforeAll(async () => {
    api = await startTestApi({}, { logs: true });
    token = await api.token('logging-co', ['admin']);
  });
  beforeEach(() => {
    lines = [];
    for (const stream of [process.stdout, process.stderr]) {
      writes.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          return true;
        }),
      );
    }
  });
  afterEach(() => {
    for (const w of writes.splice(0)) w.mockRestore();
  });
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
    const mentions = lines.filter((l) => l.includes('client-req-1') || l.includes('not found'));
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatch(/\bLOG\b.*NOT_FOUND.*client-req-1/);
    expect(lines.some((l) => /^\s+at /.test(l) || /\bERROR\b/.test(l))).toBe(false);
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
      const errorLine = lines.findIndex((l) => /\bERROR\b.*internal error.*client-req-2/.test(l));
      expect(errorLine).toBeGreaterThanOrEqual(0);
      expect(lines.slice(errorLine).some((l) => /^\s+at /.test(l))).toBe(true);
      // once: Nest's own handler does not log it a second time
      expect(lines.filter((l) => /\bERROR\b/.test(l))).toHaveLength(1);

      // without a request id of its own, the generated one is on both the log line and the response
      lines.length = 0;
      const anon = await post('{ clusters { nodes { id } } }');
      const generated = anon.body.errors?.[0]?.extensions?.['requestId'];
      expect(typeof generated).toBe('string');
      expect(lines.some((l) => /\bERROR\b/.test(l) && l.includes(String(generated)))).toBe(true);
    } finally {
      await db.query('RENAME TABLE clusters_gone TO clusters');
      await db.end();
    }
  });
});
