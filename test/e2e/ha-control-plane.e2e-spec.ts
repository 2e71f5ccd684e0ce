import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GaleraCluster, type HaStores, type RedisSentinelSet, startHaStores } from '@haaas/devstack';
import { runMigrations } from '@haaas/persistence';
import { createConnection } from 'mysql2/promise';
import { startTestApi, type TestApi } from './support/api';

/**
 * The API on the HA topology (Galera multi-host URL, redis-sentinel:// URL): tenants' writes go on
 * while the Galera node it writes to is killed, then while the Redis primary is killed. Requests
 * are answered again after a bounded blip; every write the API acknowledged is on the surviving
 * Galera nodes (asked directly).
 */
describe('API on Galera and Redis Sentinel', () => {
  let dir: string;
  let galera: GaleraCluster;
  let sentinel: RedisSentinelSet;
  let stores: HaStores;
  let api: TestApi;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haaas-ha-api-'));
    stores = await startHaStores({ dataDir: dir });
    ({ galera, sentinel } = stores);
    const url = await stores.createDatabase('haaas_ha_api');
    await runMigrations({ url });
    api = await startTestApi({ HAAAS_DB_URL: url, HAAAS_REDIS_URL: sentinel.url });
  }, 240_000);
  afterAll(async () => {
    await api?.close().catch(() => undefined);
    await stores?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  /** Writes clusters one after another until `done`; the longest gap between two acknowledged writes is the blip. */
  const writeWhile = (prefix: string) => {
    const acked: string[] = [];
    let failed = 0;
    let stop = false;
    let lastOk = Date.now();
    let longestGap = 0;
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        // a tenant per 10 writes: the default quota is 20 clusters per tenant
        const tenantToken = await api.token(`ha-${prefix}-${Math.floor(i / 10)}`, ['admin']);
        const r = await api.gql<{ createCluster: { id: string } }>(tenantToken, `mutation($n: String!) { createCluster(input: { name: $n, hypervisor: KVM }) { id } }`, { n: `${prefix}-${i}` }).catch(() => undefined);
        const id = r?.data?.createCluster?.id;
        if (id && !r?.errors?.length) {
          acked.push(id);
          longestGap = Math.max(longestGap, Date.now() - lastOk);
          lastOk = Date.now();
        } else {
          if (failed < 3 || failed % 100 === 0) process.stdout.write(`HA write error: ${JSON.stringify(r?.errors ?? 'no response').slice(0, 400)}\n`);
          failed++;
          await new Promise((res) => setTimeout(res, 50));
        }
      }
    })();
    return {
      acked,
      count: () => acked.length,
      async finish(): Promise<{ failed: number; blipMs: number }> {
        stop = true;
        await loop;
        return { failed, blipMs: longestGap };
      },
    };
  };
  const waitFor = async (cond: () => boolean, ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  };
  const allAcked: string[] = [];

  it('Galera writer killed: answered again after a bounded blip', async () => {
    const w = writeWhile('g');
    await waitFor(() => w.count() >= 20, 30_000);
    await galera.kill(0); // the first host of the URL: the one every connection went to
    const atKill = w.count();
    await waitFor(() => w.count() >= atKill + 30, 60_000);
    const { failed, blipMs } = await w.finish();
    allAcked.push(...w.acked);
    expect(w.count()).toBeGreaterThanOrEqual(atKill + 30);
    expect(blipMs).toBeLessThan(15_000);
    process.stdout.write(`API, Galera writer kill: blip ${blipMs} ms, ${failed} request(s) failed, ${w.count()} writes acknowledged\n`);
  }, 120_000);

  it('Redis primary killed: answered again after a bounded blip', async () => {
    const w = writeWhile('r');
    await waitFor(() => w.count() >= 20, 30_000);
    const { failoverMs } = await sentinel.killPrimary();
    const atKill = w.count();
    await waitFor(() => w.count() >= atKill + 30, 60_000);
    const { failed, blipMs } = await w.finish();
    allAcked.push(...w.acked);
    expect(w.count()).toBeGreaterThanOrEqual(atKill + 30);
    expect(blipMs).toBeLessThan(15_000);
    process.stdout.write(`API, Redis primary kill: Sentinel failover ${failoverMs} ms, API blip ${blipMs} ms, ${failed} request(s) failed\n`);
  }, 120_000);

  it('loses no acknowledged write: every one is on both surviving Galera nodes', async () => {
    expect(allAcked.length).toBeGreaterThan(0);
    for (const node of galera.nodes.slice(1)) {
      const c = await createConnection({ uri: `${node.url}/haaas_ha_api` });
      try {
        await c.query('SET SESSION wsrep_sync_wait = 1');
        const [rows] = await c.query('SELECT id FROM clusters');
        const have = new Set((rows as { id: string }[]).map((r) => String(r.id)));
        expect({ node: node.name, lost: allAcked.filter((id) => !have.has(id)) }).toEqual({ node: node.name, lost: [] });
      } finally {
        await c.end();
      }
    }
  });
});
