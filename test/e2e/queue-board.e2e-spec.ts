import { startTestApi, TestApi } from './support/api';

/** Bull Board on the real API: platform admins only, behind the API's own authentication. */
describe('queue board (Bull Board) for platform admins', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const get = (path: string, token?: string) => fetch(`${api.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers 401 without a token and 403 to a tenant user, page and API alike', async () => {
    expect((await get('/admin/queues')).status).toBe(401);
    expect((await get('/admin/queues/api/queues')).status).toBe(401);
    const member = await api.token('board-co', ['member']);
    expect((await get('/admin/queues', member)).status).toBe(403);
    expect((await get('/admin/queues/api/queues', member)).status).toBe(403);
    const reader = await api.token('board-co', ['reader']);
    expect((await get('/admin/queues/api/queues', reader)).status).toBe(403);
  });

  it('shows a platform admin the page and every queue of the product', async () => {
    const admin = await api.token('platform', ['admin']);
    const page = await get('/admin/queues', admin);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<title>.*<\/title>/);
    const queues = await get('/admin/queues/api/queues', admin);
    expect(queues.status).toBe(200);
    const body = (await queues.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['haaas.operations', 'haaas.recovery', 'haaas.webhooks']);
    for (const q of body.queues) expect(q.counts).toEqual(expect.objectContaining({ waiting: expect.any(Number), failed: expect.any(Number) }));
  });
});
