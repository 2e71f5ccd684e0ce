import { startTestApi, TestApi } from './support/api';
import { testRedisUrl } from '@haaas/testing';

/**
 * What the cheaper GraphQL path keeps (issue 14): Apollo's per-field cache-control plugin is off,
 * yet every response still says `Cache-Control: no-store`; tokens verified with a key made once.
 */
describe('GraphQL responses without the per-field cache-control hook (real API)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ HAAAS_REDIS_URL: testRedisUrl(49) });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  const post = (token: string | null, query: string) =>
    fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query }) });

  it('answers data, errors and refusals with Cache-Control: no-store', async () => {
    const token = await api.token('nostore');
    const ok = await post(token, '{ viewer { subject tenantId } }');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.json()).toEqual({ data: { viewer: { subject: 'nostore-user', tenantId: 'nostore' } } });
    const refused = await post(token, '{ cluster(id: "nope") { id } }');
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const anonymous = await post(null, '{ viewer { subject } }');
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
  });

  it('verifies every request against the one key: a token signed with another secret is refused', async () => {
    const token = await api.token('nostore');
    const [head, body] = token.split('.');
    const forged = `${head}.${body}.${'A'.repeat(43)}`;
    const res = await post(forged, '{ viewer { subject } }');
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(((await (await post(token, '{ viewer { subject } }')).json()) as { data: unknown }).data).toEqual({ viewer: { subject: 'nostore-user' } });
  });
});
