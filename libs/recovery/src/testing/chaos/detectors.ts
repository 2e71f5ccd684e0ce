import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connectRedis } from '@haaas/config';
import { ClusterState } from '@haaas/domain';
import type { Lab, Seeded } from '../recovery-lab';
import { Invariant, type Violation } from './invariants';

const REPO = resolve(__dirname, '../../../../..');
const ENTRY = 'libs/detector/src/testing/detector.entry.ts';
/** The detector's leader lease (libs/detector/src/detector.keys.ts, default prefix): `<holder>#<token>`. */
const LEASE_KEY = 'haaas:{detector}:lease';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface DetectorProcess {
  readonly holder: string;
  readonly pid: number;
  readonly exited: Promise<void>;
  kill(signal: NodeJS.Signals): void;
  log(): string;
}

/**
 * The failure detectors of the campaign: processes of their own (libs/detector/src/testing/
 * detector.entry.ts) on the campaign's stores, two at a time; the lease makes one of them detect.
 * Host failures are then declared by the product, not by the campaign.
 */
export class Detectors {
  private readonly all: DetectorProcess[] = [];
  private readonly dead = new Set<DetectorProcess>();
  private seq = 0;

  constructor(
    private readonly dir: string,
    private readonly dbUrl: string,
    private readonly redisUrl: string,
  ) {}

  live(): DetectorProcess[] {
    return this.all.filter((d) => !this.dead.has(d));
  }

  /** Starts detectors until `count` run. */
  async ensure(count: number): Promise<void> {
    while (this.live().length < count) await this.spawn();
  }

  async spawn(): Promise<DetectorProcess> {
    const holder = `chaos-d${++this.seq}`;
    const logFile = join(this.dir, `detector-${holder}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [join(REPO, 'tools/run.js'), join(REPO, ENTRY)], {
        cwd: REPO,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_ENV: 'test', HAAAS_DB_URL: this.dbUrl, HAAAS_REDIS_URL: this.redisUrl, DETECTOR_HOLDER: holder },
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const d: DetectorProcess = {
      holder,
      pid: child.pid ?? -1,
      exited,
      kill: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
      log: () => readFileSync(logFile, 'utf8'),
    };
    this.all.push(d);
    void exited.then(() => this.dead.add(d));
    const until = Date.now() + 120_000;
    while (!d.log().includes('detector ready')) {
      if (this.dead.has(d)) throw new Error(`detector ${holder} exited while starting:\n${d.log()}`);
      if (Date.now() > until) throw new Error(`detector ${holder} not ready after 120 s:\n${d.log()}`);
      await sleep(100);
    }
    return d;
  }

  /** The detector holding the lease now (the one detecting), if any. */
  async leader(): Promise<DetectorProcess | undefined> {
    const redis = connectRedis(this.redisUrl, { maxRetriesPerRequest: 1, connectionName: 'chaos-lease-probe' });
    redis.on('error', () => undefined);
    try {
      const value = await redis.get(LEASE_KEY).catch(() => null);
      const holder = value?.split('#')[0];
      return this.live().find((d) => d.holder === holder);
    } finally {
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    for (const d of this.live()) d.kill('SIGTERM');
    await Promise.race([Promise.all(this.all.map((d) => d.exited)), sleep(10_000)]);
    for (const d of this.live()) d.kill('SIGKILL');
  }
}

/**
 * The incident the detector opened for `host`'s failure after `sinceMs` (the crash): what the
 * product itself declared, from the heartbeats' silence and its probe of the hypervisor.
 */
export async function detectedIncident(lab: Lab, seeded: Seeded, host: string, sinceMs: number, timeoutMs = 60_000): Promise<string> {
  const nodeId = seeded.nodes[host];
  if (!nodeId) throw new Error(`no host ${host}`);
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const rows = await lab.store.repos.incidents.find(lab.scope, { nodeId });
      const found = rows.find((r) => r.source === 'DETECTOR' && r.openedAt.getTime() >= sinceMs - 1_000);
      if (found) return found.id;
    } catch {
      // the database restarting: ask again
    }
    if (Date.now() > until) throw new Error(`the detector declared no failure of ${host} within ${timeoutMs} ms of its crash`);
    await sleep(100);
  }
}

/** DETECTOR_SIGKILL / DETECTOR_SIGSTOP: the detector holding the lease, right after the crash (a replacement started after a kill). */
export async function faultDetector(detectors: Detectors, how: 'kill' | 'stop', random: () => number): Promise<void> {
  // the lease may be between holders (expired, not yet taken): wait a little for one rather than hit a follower
  let leader = await detectors.leader();
  for (const until = Date.now() + 5_000; !leader && Date.now() < until; leader = await detectors.leader()) await sleep(200);
  leader ??= detectors.live()[0];
  if (!leader) throw new Error('no detector runs');
  if (how === 'kill') {
    leader.kill('SIGKILL');
    await leader.exited;
    void detectors.ensure(2).catch(() => undefined); // the next round starts one again if this fails
    return;
  }
  leader.kill('SIGSTOP');
  const ms = 4_000 + Math.floor(random() * 4_000);
  setTimeout(() => leader.kill('SIGCONT'), ms).unref();
}

/** Incidents opened during the round for hosts that stayed up (a silenced agent, a paused libvirtd), or more than one for a crashed host. */
export async function wronglyDeclared(lab: Lab, seeded: Seeded, round: number, sinceMs: number, crashed: readonly string[]): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const [host, nodeId] of Object.entries(seeded.nodes)) {
    const opened = (await lab.store.repos.incidents.find(lab.scope, { nodeId })).filter((r) => r.openedAt.getTime() >= sinceMs);
    if (crashed.includes(host)) {
      // one failure, one incident (a detector that lost its lease must not open a second)
      if (opened.length > 1) out.push({ round, invariant: Invariant.DETECTED, detail: `${host} crashed once but ${opened.length} incidents were opened` });
      continue;
    }
    if (opened.length > 0) out.push({ round, invariant: Invariant.DETECTED, detail: `${host} stayed up but the detector opened ${opened.length} incident(s): ${opened.map((r) => r.reason).join('; ')}` });
  }
  return out;
}

/** The detector watches STARTED clusters only. */
export async function startCluster(lab: Lab, seeded: Seeded): Promise<void> {
  await lab.store.transaction(async (repos) => {
    const cl = await repos.clusters.lock(lab.scope, seeded.clusterId);
    cl.state = ClusterState.STARTED;
    await repos.clusters.save(lab.scope, cl);
  });
}
