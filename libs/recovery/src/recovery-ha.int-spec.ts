import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GaleraCluster, type HaStores, type RedisSentinelSet, startHaStores } from '@haaas/devstack';
import { IncidentState } from '@haaas/domain';
import { openDataSource } from '@haaas/persistence';
import { Redis } from 'ioredis';
import { lastSeenKey } from '@haaas/heartbeats';
import { LAB_TENANT, Lab, startLab } from './testing/recovery-lab';

/**
 * The control plane on its HA topology (docs/adr/0015-ha-control-plane-connections.md): MariaDB
 * Galera (3 nodes, the multi-host URL) and Redis with Sentinel (primary, replica, 3 Sentinels, the
 * redis-sentinel:// URL), a recovery worker in a child process. The Redis primary is killed in the
 * middle of a recovery: Sentinel promotes the replica, the worker's BullMQ connections and the
 * agents' heartbeats follow it, and the recovery completes with every VM started exactly once on a
 * survivor after the failed host was powered off by its BMC (asked of libvirt and the BMC). Then
 * the Galera node the worker writes to is killed in a second recovery, with the same outcome.
 */
describe('HA control plane: Redis primary and a Galera node killed during recoveries', () => {
  let dir: string;
  let galera: GaleraCluster;
  let sentinel: RedisSentinelSet;
  let stores: HaStores;
  let lab: Lab;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haaas-ha-'));
    stores = await startHaStores({ dataDir: dir });
    ({ galera, sentinel } = stores);
    lab = await startLab({
      database: async () => ({ url: await stores.createDatabase('haaas_ha_recovery'), drop: async () => undefined }),
      startRedis: async () => ({ url: sentinel.url, port: sentinel.servers[0]?.port ?? 0, stop: async () => undefined }),
    });
  }, 240_000);
  afterAll(async () => {
    await lab?.close();
    await stores?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const recoveredCount = async (clusterId: string): Promise<number> => (await lab.events(clusterId, ['service.recovered'])).length;

  it('Redis primary killed: Sentinel promotes the replica, jobs and heartbeats resume, each VM started once after the fence', async () => {
    const seeded = await lab.seed({ fence: 'ipmi' });
    const names: string[] = [];
    for (const [i, priority] of [800, 800, 600, 600, 400, 400].entries()) {
      const name = `s-${priority}-${i}`;
      names.push(name);
      await lab.addService(seeded, name, { vms: [`${name}-vm`], priority });
    }
    const worker = await lab.spawnWorker('ha', { RECOVERY_CONCURRENCY: '1', RECOVERY_LOCK_MS: '5000', RECOVERY_CLAIM_TTL_MS: '6000' });

    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    const until = Date.now() + 60_000;
    while ((await recoveredCount(seeded.clusterId)) === 0) {
      if (Date.now() > until) throw new Error(`no service recovered; worker log:\n${worker.log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = await recoveredCount(seeded.clusterId);
    const { promotedPort, failoverMs } = await sentinel.killPrimary();
    const killedAt = Date.now() - failoverMs;
    expect(before).toBeLessThan(names.length);

    // what the detector's reconciliation does for an open incident whose job a failover lost (a
    // no-op while the job survived on the replica: the job id is the incident id)
    await lab.queue.enqueueIncident(lab.scope.tenantId, incidentId);
    const heldUntil = Date.now() + 60_000;
    while ((await recoveredCount(seeded.clusterId)) === before) {
      if (Date.now() > heldUntil) throw new Error(`no progress after the failover; worker log:\n${worker.log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const heldUpMs = Date.now() - killedAt;
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 120_000);

    // heartbeats land on the promoted primary
    const direct = new Redis(`redis://127.0.0.1:${promotedPort}`);
    try {
      const seen = await direct.zscore(lastSeenKey(LAB_TENANT, seeded.clusterId), seeded.nodes['b'] ?? '');
      expect(Number(seen)).toBeGreaterThan(killedAt);
      expect(await direct.call('ROLE')).toEqual(expect.arrayContaining(['master']));
    } finally {
      direct.disconnect();
    }
    // libvirt and the BMC: fenced off before any start, each VM started once, running once
    expect(lab.failed.bmc.power()).toBe('off');
    expect(lab.failed.bmc.chassisLog()).toContain('set power 0');
    for (const name of names) {
      const vm = `${name}-vm`;
      expect({ vm, starts: lab.startsOf(vm) }).toEqual({ vm, starts: 1 });
      expect(await lab.runningOn(vm)).toHaveLength(1);
    }
    const events = await lab.events(seeded.clusterId);
    expect(events.filter((e) => e.type === 'service.recovered')).toHaveLength(names.length);
    expect(events.filter((e) => e.type === 'incident.recovered')).toHaveLength(1);
    process.stdout.write(`Redis primary kill: Sentinel failover ${failoverMs} ms, recovery held up ${heldUpMs} ms\n`);
    worker.kill('SIGKILL');
    await worker.exited;
  }, 300_000);

  it('Galera node the control plane writes to killed: the recovery completes, each VM started once after the fence', async () => {
    await lab.powerOnFailedHost();
    const seeded = await lab.seed({ fence: 'ipmi' });
    const names: string[] = [];
    for (const [i, priority] of [700, 700, 500, 500, 300, 300].entries()) {
      const name = `g-${priority}-${i}`;
      names.push(name);
      await lab.addService(seeded, name, { vms: [`${name}-vm`], priority });
    }
    const worker = await lab.spawnWorker('ha-g', { RECOVERY_CONCURRENCY: '1', RECOVERY_LOCK_MS: '5000', RECOVERY_CLAIM_TTL_MS: '6000' });
    // every process prefers the first host of the URL while it answers: that is the writer
    const probe = await openDataSource({ url: lab.db.url, poolSize: 1 });
    const writerPort = async (): Promise<number> => Number((await probe.query<{ port: number }[]>('SELECT @@port AS port'))[0]?.port);
    const writer = await writerPort();
    const victim = galera.nodes.findIndex((n) => n.port === writer);
    expect(victim).toBe(0);

    await lab.failed.host.crash();
    const incidentId = await lab.declareFailure(seeded);
    const until = Date.now() + 60_000;
    while ((await recoveredCount(seeded.clusterId)) === 0) {
      if (Date.now() > until) throw new Error(`no service recovered; worker log:\n${worker.log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = await recoveredCount(seeded.clusterId);
    const killedAt = Date.now();
    await galera.kill(victim);
    expect(before).toBeLessThan(names.length);
    const heldUntil = Date.now() + 90_000;
    let after = before;
    while ((after = await recoveredCount(seeded.clusterId).catch(() => before)) === before) {
      if (Date.now() > heldUntil) throw new Error(`no progress after the Galera kill; worker log:\n${worker.log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const heldUpMs = Date.now() - killedAt;
    expect(after).toBeGreaterThan(before);
    await lab.waitForIncident(incidentId, [IncidentState.RECOVERED], 120_000);

    expect(lab.failed.bmc.power()).toBe('off');
    for (const name of names) {
      const vm = `${name}-vm`;
      expect({ vm, starts: lab.startsOf(vm) }).toEqual({ vm, starts: 1 });
      expect(await lab.runningOn(vm)).toHaveLength(1);
    }
    const events = await lab.events(seeded.clusterId);
    expect(events.filter((e) => e.type === 'service.recovered')).toHaveLength(names.length);
    expect(events.filter((e) => e.type === 'incident.recovered')).toHaveLength(1);
    expect(await writerPort()).not.toBe(writer);
    await probe.destroy();
    process.stdout.write(`Galera writer kill during a recovery: recovery held up ${heldUpMs} ms\n`);
    worker.kill('SIGKILL');
    await worker.exited;
  }, 300_000);
});
