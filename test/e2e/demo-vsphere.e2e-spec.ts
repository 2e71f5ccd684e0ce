import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { configureVsphereDemo, GraphQLCaller, startVsphereDemoLab, type VsphereDemo, type VsphereLab } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';

const ROOT = resolve(__dirname, '..', '..');

/** Something accepts TCP connections on the loopback port. */
const answers = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });

/**
 * The vSphere demo (`HAAAS_DEMO=vsphere npm start`) as `npm start` builds it, and its host crash
 * the way a user does it: `npm run demo -- kill <host>` in another process, reading the demo's
 * state file. Judged by vcsim (the host's own /sdk gone, its VMs powered on elsewhere) and the BMC.
 */
describe('the vSphere demo: npm run demo -- kill', () => {
  let lab: VsphereLab;
  let api: TestApi;
  let worker: INestApplicationContext;
  let gql: GraphQLCaller;
  let demo: VsphereDemo;
  let dataDir: string;
  const HOST = 'esx-2.lab.example';

  const demoCommand = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((done) =>
      execFile(process.execPath, [join(ROOT, 'tools', 'run.js'), join(ROOT, 'tools', 'demo.ts'), ...args], { env: { ...process.env, HAAAS_DEMO_STATE: join(dataDir, 'demo.json') } }, (error, stdout, stderr) =>
        done({ code: error ? 1 : 0, stdout, stderr }),
      ),
    );

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'haaas-vsphere-demo-'));
    lab = await startVsphereDemoLab();
    const redisUrl = testRedisUrl(25);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl, ...lab.env });
    worker = await startWorker(api.config, { logger: false });
    const token = await api.token('demo');
    gql = new GraphQLCaller(`${api.url}/graphql`, token);
    demo = await configureVsphereDemo(lab, { graphqlUrl: `${api.url}/graphql`, token, dataDir, deadtimeSeconds: 3 });
  }, 240_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await lab?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("crashes the host (its /sdk dies, vCenter disconnects it); HAaaS fences it and powers its VMs on elsewhere, as vcsim says", async () => {
    const esx = lab.hosts.find((h) => h.name === HOST)?.esx;
    expect(await answers(esx?.port as number)).toBe(true);
    const killed = await demoCommand('kill', HOST);
    expect(killed).toMatchObject({ code: 0, stdout: expect.stringContaining(`${HOST} crashed`) });
    expect(await answers(esx?.port as number)).toBe(false);

    const until = Date.now() + 90_000;
    let state = '';
    while (Date.now() < until && !['RECOVERED', 'PARTIALLY_RECOVERED', 'FAILED'].includes(state)) {
      await new Promise((r) => setTimeout(r, 250));
      const r = await gql.call<{ incidents: { nodes: { state: string }[] } }>(`query($c: ID!) { incidents(filter: { clusterId: $c }) { nodes { state } } }`, { c: demo.clusterId });
      state = r.incidents.nodes[0]?.state ?? '';
    }
    expect(state).toBe('RECOVERED');
    for (const h of lab.hosts) expect({ host: h.name, power: h.bmc.power() }).toEqual({ host: h.name, power: h.name === HOST ? 'off' : 'on' });
    const vms = await lab.vcenter.admin.vms();
    for (const s of demo.services) {
      const copies = vms.filter((v) => v.name === s.vm);
      expect({ vm: s.vm, copies: copies.length, power: copies[0]?.powerState, moved: copies[0]?.host !== HOST }).toEqual({ vm: s.vm, copies: 1, power: 'poweredOn', moved: true });
    }
  }, 120_000);

  it('refuses an unknown host, naming the hosts', async () => {
    const r = await demoCommand('kill', 'esx-9');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hosts: esx-1.lab.example, esx-2.lab.example, esx-3.lab.example');
  }, 60_000);
});
