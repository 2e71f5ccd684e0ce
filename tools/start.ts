/**
 * `npm start`: the product on this machine. Uses MySQL and Redis from HAAAS_DB_URL / HAAAS_REDIS_URL,
 * or starts its own MariaDB and Redis under .data/ (installing the Debian packages when missing),
 * applies the migrations, serves the API and runs a worker (detector and recovery). With the
 * embedded MariaDB (nothing configured) it also brings up the demo: a simulated KVM datacenter and
 * a demo tenant (HAAAS_DEMO=0 turns it off; HAAAS_DEMO=vsphere brings up a vSphere datacenter on
 * vcsim instead, without node agents). Ctrl-C stops everything it started.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { startApi } from '@haaas/api-server';
import { signDevToken } from '@haaas/auth';
import { loadConfig } from '@haaas/config';
import { configureVsphereDemo, startDemoDatacenter, startVsphereDemoLab, VSPHERE_DEMO_CLUSTER, type VsphereLab } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { startLocalInfra } from '@haaas/devstack';
import { runMigrations } from '@haaas/persistence';

const log = (message: string): void => console.log(`[start] ${message}`);

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production' && (!process.env.HAAAS_DB_URL || !process.env.HAAAS_REDIS_URL)) {
    throw new Error('in production HAAAS_DB_URL and HAAAS_REDIS_URL must be set: npm start embeds MariaDB and Redis only for development');
  }
  const embedded = !process.env.HAAAS_DB_URL;
  const infra = await startLocalInfra({ dataDir: join(__dirname, '..', '.data'), database: 'haaas', log });
  process.env.HAAAS_DB_URL = infra.dbUrl;
  process.env.HAAAS_REDIS_URL = infra.redisUrl;
  let stopping = false;
  const stopInfra = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await infra.stop();
  };
  const demoKind = !embedded || process.env.HAAAS_DEMO === '0' ? 'none' : process.env.HAAAS_DEMO === 'vsphere' ? 'vsphere' : 'kvm';
  const demoLog = (line: string): void => log(`demo: ${line}`);
  const demoDir = join(__dirname, '..', '.data', 'demo');
  let vsphereLab: VsphereLab | undefined;
  try {
    // vcsim first: the worker's config takes its CA file and a short resync (vcsim pushes no host change)
    vsphereLab = demoKind === 'vsphere' ? await startVsphereDemoLab(demoLog) : undefined;
    if (vsphereLab) Object.assign(process.env, vsphereLab.env);
    const config = loadConfig();
    const applied = await runMigrations({ url: config.database.url });
    log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
    const { app, url } = await startApi(config);
    const worker = await startWorker(config);
    let demo: { stop(): Promise<void> } | undefined = vsphereLab;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        log(`${signal}: shutting down`);
        void (demo?.stop() ?? Promise.resolve())
          .then(() => worker.close())
          .then(() => app.close())
          .then(stopInfra)
          .finally(() => process.exit(0));
      });
    }
    if (demoKind !== 'none') {
      log(`bringing up the demo datacenter (${demoKind === 'vsphere' ? 'vSphere on vcsim' : 'KVM; HAAAS_DEMO=vsphere for vSphere'}; HAAAS_DEMO=0 to skip)`);
      const token = await signDevToken({ tenant: 'demo', roles: ['member'], subject: 'demo-setup' }, config);
      const o = { graphqlUrl: `${url}/graphql`, token, dataDir: demoDir, log: demoLog };
      const d = vsphereLab ? await configureVsphereDemo(vsphereLab, o) : await startDemoDatacenter(o);
      demo = d;
      const name = vsphereLab ? VSPHERE_DEMO_CLUSTER : 'demo-dc';
      console.log(
        [
          '',
          `Demo datacenter: cluster ${name} (tenant demo), hosts ${d.hosts.map((h) => h.name).join(', ')}; services ${d.services.map((x) => `${x.name} (${x.priority}) on ${x.homeHost}`).join(', ')}.`,
          `  Crash a host:   npm run demo -- kill ${d.hosts[1]?.name ?? d.hosts[0]?.name}`,
          '  Watch it:       npm run demo -- status',
        ].join('\n'),
      );
    }
    console.log(
      [
        '',
        `HAaaS API is up.`,
        `  GraphQL:   ${url}/graphql`,
        `  Health:    ${url}/health/live  ${url}/health/ready`,
        '',
        'A development token for the demo tenant (refused in production):',
        '  TOKEN=$(npm run -s token -- --tenant demo --role member)',
        `  curl -s ${url}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
        `    -d '{"query":"{ viewer { subject tenantId roles } clusters(first: 10) { nodes { id name } } }"}'`,
        '',
      ].join('\n'),
    );
  } catch (err) {
    await vsphereLab?.stop();
    await stopInfra();
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
