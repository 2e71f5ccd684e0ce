import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type GaleraCluster, startGaleraCluster } from '@haaas/devstack';
import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { openDataSource, runMigrations } from './data-source';

/**
 * The product's data source on a 3-node Galera cluster (its multi-host URL): the node it writes
 * to is killed while writes go on. Writes resume on a survivor after a bounded blip, and every
 * write acknowledged before, during or after the kill is on both survivors. Then the killed node
 * is started again: it rejoins (state transfer from a survivor), the cluster is back to 3 nodes,
 * and it has every row written while it was down.
 */
describe('Galera: the node the product writes to is killed', () => {
  let dir: string;
  let galera: GaleraCluster;
  let ds: DataSource;
  let url: string;
  let victim = -1;
  const acked: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haaas-galera-'));
    chmodSync(dir, 0o755); // the nodes run as the mysql user (when root)
    galera = await startGaleraCluster({ dataDir: dir });
    url = await createDatabase(galera.nodes[0]?.url ?? '', 'haaas_ha');
    url = url.replace(/127\.0\.0\.1:\d+/, galera.url.replace(/^mysql:\/\/root@/, ''));
    await runMigrations({ url });
    ds = await openDataSource({ url, poolSize: 4 });
    await ds.query('CREATE TABLE ha_writes (id INT PRIMARY KEY, at DATETIME(3) NOT NULL)');
  }, 180_000);
  afterAll(async () => {
    await ds?.destroy().catch(() => undefined);
    await galera?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('keeps answering after a bounded blip and loses no acknowledged write', async () => {
    const writer = async (): Promise<number> => Number((await ds.query<{ port: number }[]>('SELECT @@port AS port'))[0]?.port);
    const first = await writer();
    victim = galera.nodes.findIndex((n) => n.port === first);
    expect(victim).toBeGreaterThanOrEqual(0);

    let failed = 0;
    let lastOk = Date.now();
    let longestGap = 0;
    let stop = false;
    let id = 0;
    const loop = (async () => {
      while (!stop) {
        const mine = ++id;
        try {
          await ds.query('INSERT INTO ha_writes (id, at) VALUES (?, NOW(3))', [mine]);
          acked.push(mine);
          longestGap = Math.max(longestGap, Date.now() - lastOk);
          lastOk = Date.now();
        } catch {
          failed++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = Date.now();
    await galera.kill(victim);
    const ackedAtKill = acked.length;
    // writes resume on a survivor
    while (acked.length < ackedAtKill + 50 && Date.now() - killedAt < 60_000) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await loop;
    const now = await writer();
    expect(now).not.toBe(first);
    expect(acked.length).toBeGreaterThanOrEqual(ackedAtKill + 50);
    // the blip is bounded: Galera's failure detection (suspect after 2 s here) plus a reconnect
    expect(longestGap).toBeLessThan(15_000);
    process.stdout.write(`Galera kill: blip ${longestGap} ms (longest gap between acknowledged writes), ${failed} write(s) refused, ${acked.length} acknowledged\n`);

    // every acknowledged write is on each survivor, asked directly
    for (const [i, node] of galera.nodes.entries()) {
      if (i === victim) continue;
      const c = await createConnection({ uri: `${node.url}/haaas_ha` });
      try {
        await c.query('SET SESSION wsrep_sync_wait = 1'); // read after every write the cluster committed
        const [rows] = await c.query('SELECT id FROM ha_writes');
        const have = new Set((rows as { id: number }[]).map((r) => r.id));
        expect({ node: node.name, lost: acked.filter((a) => !have.has(a)) }).toEqual({ node: node.name, lost: [] });
      } finally {
        await c.end();
      }
    }
  }, 180_000);

  it('takes the killed node back: SYNCED, cluster size 3, with the rows written while it was down', async () => {
    expect(victim).toBeGreaterThanOrEqual(0);
    expect(galera.nodes[victim]?.running()).toBe(false);
    // more writes while it is down, on the survivors
    const downFrom = acked.length;
    for (let i = 0; i < 100; i++) {
      const mine = 100_000 + i;
      await ds.query('INSERT INTO ha_writes (id, at) VALUES (?, NOW(3))', [mine]);
      acked.push(mine);
    }
    const started = Date.now();
    await galera.restart(victim); // resolves once the node is Synced in the primary component
    const rejoinMs = Date.now() - started;
    const node = galera.nodes[victim];
    if (!node) throw new Error('no victim node');
    for (const n of galera.nodes) {
      const c = await createConnection({ uri: n.url });
      try {
        const [rows] = await c.query("SHOW STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_local_state_comment', 'wsrep_cluster_status')");
        const status = Object.fromEntries((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]));
        expect({ node: n.name, ...status }).toEqual({ node: n.name, wsrep_cluster_size: '3', wsrep_local_state_comment: 'Synced', wsrep_cluster_status: 'Primary' });
      } finally {
        await c.end();
      }
    }
    // the rejoined node itself, asked directly: every acknowledged row, those written while it was down included
    const c = await createConnection({ uri: `${node.url}/haaas_ha` });
    try {
      const [rows] = await c.query('SELECT id FROM ha_writes');
      const have = new Set((rows as { id: number }[]).map((r) => r.id));
      expect({ lost: acked.filter((a) => !have.has(a)) }).toEqual({ lost: [] });
      expect(acked.length - downFrom).toBe(100);
    } finally {
      await c.end();
    }
    process.stdout.write(`Galera rejoin: ${node.name} back, Synced, cluster size 3 in ${rejoinMs} ms, ${acked.length} acknowledged rows all on it\n`);
  }, 180_000);
});
