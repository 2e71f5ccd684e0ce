/**
 * `npm run bench agent-memory`: resident memory of the node agent as hypervisor hosts run it (the
 * bundle apps/agent/dist/haaas-agent.js, built here by apps/agent/scripts/build.mjs) next to the
 * same agent through the TypeScript loader (tools/run.js, as before it was packaged) and next to a
 * bare `node` process sending one keep-alive GET a second (the floor of any Node program that talks HTTP),
 * all three in the same run against the real API on MariaDB and Redis, each with its own node and
 * token. RSS is sampled from /proc/<pid>/status every second for BENCH_SECONDS (default 20) after
 * the first heartbeat; the figures are the peak and the last sample. Asserts nothing: the target
 * (under 60 MB) is read from the printed figures. Environment: BENCH_SECONDS.
 */
import 'reflect-metadata';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalInfra } from '@haaas/devstack';
import { startAgentFleet } from './support/agent-fleet';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'apps', 'agent', 'dist', 'haaas-agent.js');

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

interface Sampled {
  readonly name: string;
  readonly child: ChildProcess;
  readonly samples: number[];
  stderr: string;
}

function start(name: string, args: string[]): Sampled {
  const child = spawn(process.execPath, args, { cwd: tmpdir(), stdio: ['ignore', 'ignore', 'pipe'] });
  const s: Sampled = { name, child, samples: [], stderr: '' };
  child.stderr?.on('data', (d: Buffer) => (s.stderr += d.toString()));
  return s;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-agent-'));
  const infra = await startLocalInfra({ dataDir: dir });
  const procs: Sampled[] = [];
  try {
    execFileSync(process.execPath, [join(ROOT, 'apps', 'agent', 'scripts', 'build.mjs')], { stdio: 'inherit' });
    const fleet = await startAgentFleet(infra, { nodes: 2, perCluster: 2, tenant: 'bench-agent', dbPrefix: 'haaas_bench_agent' });
    const apiUrl = `http://127.0.0.1:${fleet.apiPort}`;
    const config = (i: number) => {
      const file = join(dir, `agent${i}.json`);
      writeFileSync(join(dir, `token${i}`), `${fleet.nodes[i]?.token}\n`, { mode: 0o600 });
      writeFileSync(file, JSON.stringify({ apiUrl, tokenFile: `token${i}`, intervalSeconds: 1, storage: { path: dir } }), { mode: 0o600 });
      return file;
    };
    const floor = `const h=require('node:http'),a=new h.Agent({keepAlive:true});setInterval(()=>h.get(${JSON.stringify(`${apiUrl}/health/live`)},{agent:a},(r)=>r.resume()).on('error',()=>{}),1000);process.stderr.write('first heartbeat delivered\\n')`;
    procs.push(start('bundle (dist/haaas-agent.js)', [BUNDLE, '--config', config(0)]));
    procs.push(start('TypeScript loader (tools/run.js)', [join(ROOT, 'tools', 'run.js'), join(ROOT, 'apps', 'agent', 'src', 'main.ts'), '--config', config(1)]));
    procs.push(start('floor: bare node, 1 GET/s (node:http)', ['-e', floor]));
    const until = Date.now() + 60_000;
    while (!procs.every((p) => p.stderr.includes('first heartbeat delivered'))) {
      if (Date.now() > until) throw new Error(`an agent never delivered a heartbeat:\n${procs.map((p) => `${p.name}: ${p.stderr}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let s = 0; s < SECONDS; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      for (const p of procs) if (p.child.pid) p.samples.push(rssKb(p.child.pid));
    }
    const mb = (kb: number) => (kb / 1024).toFixed(1);
    const floorPeak = Math.max(...(procs[2]?.samples ?? [NaN]));
    console.log(`HAaaS node agent memory: RSS over ${SECONDS} s of 1 s heartbeats against the real API (peak / last, MB; x = peak against the floor)`);
    for (const p of procs) {
      const peak = Math.max(...p.samples);
      console.log(`   ${p.name.padEnd(34)} ${mb(peak).padStart(6)} / ${mb(p.samples.at(-1) ?? NaN).padStart(6)}   x${(peak / floorPeak).toFixed(2)}`);
    }
    const [bundle, loader] = procs.map((p) => Math.max(...p.samples));
    console.log(`   bundle / loader: ${((bundle ?? NaN) / (loader ?? NaN)).toFixed(2)} (target: the bundle under 60 MB)`);
    await fleet.app.close();
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
