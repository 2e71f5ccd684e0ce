import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { DemoDatacenter, GraphQLCaller, startDemoDatacenter } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { testRedisUrl } from '@haaas/testing';
import { waitForIncidentEnd } from './support/incidents';
import { startTestApi, TestApi } from './support/api';

/**
 * The whole product on the simulated datacenter `npm start` runs: libvirtd hosts with node agents
 * and IPMI BMCs, the API, a worker (detector and recovery). A host crashes; its VMs come back on
 * the others, after the fence, in priority order, each exactly once, and the cluster log tells it.
 */
describe('failover of a crashed host on the simulated datacenter', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let dc: DemoDatacenter;
  let gql: GraphQLCaller;
  let dir: string;

  beforeAll(async () => {
    // a Redis database of its own: no other test's workers take these jobs
    const redisUrl = testRedisUrl(9);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl });
    worker = await startWorker(api.config, { logger: false });
    const token = await api.token('dc-co');
    gql = new GraphQLCaller(`${api.url}/graphql`, token);
    dir = mkdtempSync(join(tmpdir(), 'haaas-dc-'));
    dc = await startDemoDatacenter({ graphqlUrl: `${api.url}/graphql`, token, dataDir: dir, deadtimeSeconds: 3 });
  }, 180_000);

  afterAll(async () => {
    await dc?.stop();
    await worker?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  type Svc = { name: string; state: string; currentNode: { hostname: string } | null; policy: { priority: number } };
  const services = async (): Promise<Svc[]> =>
    (
      await gql.call<{ cluster: { services: { nodes: Svc[] } } }>(`query($id: ID!) { cluster(id: $id) { services(first: 50) { nodes { name state currentNode { hostname } policy { priority } } } } }`, {
        id: dc.clusterId,
      })
    ).cluster.services.nodes;

  it('detects, fences, then restarts the services elsewhere by priority, each VM once', async () => {
    const before = await services();
    const onHost2 = before.filter((s) => s.currentNode?.hostname === 'host2.demo.local').map((s) => s.name);
    expect(onHost2.sort()).toEqual(['batch', 'web-a', 'web-b']);

    await dc.crash('host2');

    expect(await waitForIncidentEnd(gql, dc.clusterId)).toBe('RECOVERED');

    // every service runs, none on the crashed host; the others did not move
    const after = await services();
    for (const s of after) {
      expect({ name: s.name, state: s.state }).toEqual({ name: s.name, state: 'STARTED' });
      expect(s.currentNode?.hostname).not.toBe('host2.demo.local');
    }
    expect(after.find((s) => s.name === 'db')?.currentNode?.hostname).toBe('host1.demo.local');
    expect(after.find((s) => s.name === 'queue')?.currentNode?.hostname).toBe('host3.demo.local');

    // each VM runs on exactly one live host
    const running = new Map<string, string[]>();
    for (const h of dc.hosts.filter((x) => x.name !== 'host2')) {
      const names = (await h.sim.host.virsh('list', '--name')).split('\n').map((l) => l.trim()).filter(Boolean);
      for (const n of names) running.set(n, [...(running.get(n) ?? []), h.name]);
    }
    for (const s of dc.services) expect({ vm: s.vm, on: running.get(s.vm)?.length ?? 0 }).toEqual({ vm: s.vm, on: 1 });

    // the story, in order: failure declared, fenced, recovered by priority, incident closed
    const log = await gql.call<{ cluster: { log: { nodes: { id: string; type: string; serviceId: string | null; message: string | null }[] } } }>(
      `query($id: ID!) { cluster(id: $id) { log(first: 500) { nodes { id type serviceId message } } } }`,
      { id: dc.clusterId },
    );
    const events = [...log.cluster.log.nodes].reverse(); // oldest first (ids are time-ordered)
    const at = (type: string, serviceId?: string) => events.findIndex((e) => e.type === type && (serviceId === undefined || e.serviceId === serviceId));
    const failed = at('node.failed');
    const fenced = at('node.fenced');
    expect(failed).toBeGreaterThanOrEqual(0);
    expect(fenced).toBeGreaterThan(failed);
    const idOf = (name: string) => dc.services.find((s) => s.name === name)?.id as string;
    const recovered = (name: string) => at('service.recovered', idOf(name));
    for (const name of onHost2) expect({ name, afterFence: recovered(name) > fenced }).toEqual({ name, afterFence: true });
    // priority 800 (web-a, web-b) before priority 100 (batch)
    expect(recovered('batch')).toBeGreaterThan(Math.max(recovered('web-a'), recovered('web-b')));
    // the incident closes with its last service (the same transaction writes both events), and its
    // closing entry comes last: after every service's start and recovery
    const closed = at('incident.recovered');
    expect(closed).toBeGreaterThan(at('service.recovery_started', idOf('batch')));
    for (const name of onHost2) {
      const started = events.findIndex((e, i) => i > fenced && e.type === 'service.started' && e.serviceId === idOf(name));
      expect({ name, startedBeforeRecovered: started < recovered(name), recoveredBeforeClosed: recovered(name) < closed }).toEqual({ name, startedBeforeRecovered: true, recoveredBeforeClosed: true });
    }
    // each recovered service was started once by the recovery
    for (const name of onHost2) {
      const starts = events.filter((e, i) => i > fenced && e.type === 'service.started' && e.serviceId === idOf(name));
      expect({ name, starts: starts.length }).toEqual({ name, starts: 1 });
    }
  }, 120_000);
});
