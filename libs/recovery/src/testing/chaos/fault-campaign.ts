import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from '@haaas/devstack';
import { IncidentState, NodeStatus } from '@haaas/domain';
import { FencingDeviceService } from '@haaas/management';
import { type Lab, type Seeded, startLab, type WorkerProcess } from '../recovery-lab';
import { apiAnswers, type ApiFaultWindow, checkApi, faultApiReplica } from './api-faults';
import { type ApiReplicas, startApiReplicas } from './api-replicas';
import { Answer, ApiWriter } from './api-writer';
import { type ControlPlane, type DatabaseRestart, singleControlPlane } from './control-plane';
import { during_, holder, isOpen, TERMINAL, waitFor, waitSettled } from './incident-waits';
import { FaultKind, faultSchedule, pidIn, seededRandom } from './faults';
import { checkRound, type RoundServices, type Violation } from './invariants';

export interface CampaignOptions {
  readonly faults: number;
  readonly seed: number;
  /** Progress lines (one per round). */
  readonly log?: (line: string) => void;
  /** How long an incident may take to settle before it counts as stuck (default 120 s). */
  readonly settleTimeoutMs?: number;
  /** The stores to run on (default: a MariaDB and a Redis of the campaign's own, see singleControlPlane). */
  readonly controlPlane?: (dir: string) => Promise<ControlPlane>;
  /** Fault kinds to draw from (default: all). */
  readonly kinds?: readonly FaultKind[];
}

export interface RoundResult {
  readonly round: number;
  readonly kind: FaultKind;
  readonly services: number;
  readonly outcome: string;
  /** The fault was injected while the incident was still open (not after it had settled). */
  readonly midRecovery: boolean;
  /** Host crash → the incident's final state (ms). */
  readonly recoveryMs: number | null;
  /** How the API client's requests ended during the round. */
  readonly api: Readonly<Record<Answer, number>>;
  /** MARIADB_RESTART: the database back (null: it was not, the round's log says why). */
  readonly database?: DatabaseRestart | null;
  readonly violations: readonly Violation[];
}

export interface CampaignReport {
  readonly seed: number;
  readonly rounds: readonly RoundResult[];
  readonly violations: readonly Violation[];
  readonly durationMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The recovery workers' settings: the defaults of the worker app, made a little quicker to take over. */
const WORKER_ENV = { RECOVERY_CONCURRENCY: '2' };
/** Within the documented tolerance: worker clocks only stamp fencing times (docs/detector.md). */
const CLOCK_SHIFT = '+2s';
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * The fault campaign: the product's recovery workers as two processes, a MariaDB and a Redis of
 * the campaign's own (so both can be restarted), libvirt test-driver survivors `b` and `c`, and a
 * host `a` with an ipmi_sim BMC that crashes every round. Each round puts 1 to 4 services on `a`,
 * crashes it, declares it failed (what the detector does: the lab has no detector), injects one
 * fault from the seeded schedule during the recovery, waits for the incident to settle and checks
 * the invariants against libvirt and the BMC. Host `a` is powered on again by its BMC for the next
 * round, so services keep failing over while the earlier rounds' services must stay put.
 */
export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const log = o.log ?? (() => undefined);
  const started = Date.now();
  const random = seededRandom(o.seed);
  const schedule = faultSchedule(o.faults, random, o.kinds);
  await ensureDebianPackages(['faketime'], { binaries: { faketime: ['faketime'] } });
  const dir = mkdtempSync(join(tmpdir(), 'haaas-chaos-'));
  const plane = await (o.controlPlane ?? singleControlPlane)(dir);
  let lab: Lab | undefined;
  let apis: ApiReplicas | undefined;
  let writer: ApiWriter | undefined;
  const workers: WorkerProcess[] = [];
  let workerSeq = 0;
  const dead = new Set<WorkerProcess>();
  const spawn = async (env: Record<string, string> = {}): Promise<WorkerProcess> => {
    const w = await (lab as Lab).spawnWorker(`w${++workerSeq}`, { ...WORKER_ENV, ...env });
    workers.push(w);
    void w.exited.then(() => dead.add(w));
    return w;
  };
  const live = (): WorkerProcess[] => workers.filter((w) => !dead.has(w));
  const rounds: RoundResult[] = [];
  try {
    // five nodes: with `a` failed and `c` crashed too, three of five keep the cluster quorate
    lab = await startLab({ database: async () => ({ url: plane.dbUrl, drop: async () => undefined }), startRedis: plane.startRedis, survivors: ['b', 'c', 'd', 'e'], log: (l) => log(`lab: ${l}`) });
    const redisUrl = lab.redisUrl;
    [apis] = await Promise.all([startApiReplicas({ dbUrl: plane.dbUrl, redisUrl: () => redisUrl, dir }), spawn(), spawn()]);
    writer = new ApiWriter(apis.replicas, apis.token);
    await writer.start();
    const seeded = await lab.seed({ fence: 'ipmi', deadtimeSeconds: 3, capacity: { cpus: 1024, memoryMb: 1024 * 1024 } });
    const wrongDevice = await addWrongBmc(lab, seeded);
    const earlier = new Map<string, string>();
    for (const [round, kind] of schedule.entries()) {
      if (round > 0) await rejoinHostA(lab, seeded);
      while (live().length < 2) await spawn();
      const r = await runRound(lab, seeded, { round, kind, random, wrongDevice, settleTimeoutMs: o.settleTimeoutMs ?? 120_000, workers: live(), spawn, plane, apis, writer }, earlier, log);
      rounds.push(r);
      log(`round ${round + 1}/${o.faults} ${kind}: ${r.services} service(s) ${r.outcome} in ${r.recoveryMs === null ? '-' : `${(r.recoveryMs / 1000).toFixed(1)} s`}, API ${Object.entries(r.api).map(([k, n]) => `${n} ${k}`).join(' ')}${r.database === undefined ? '' : r.database === null ? ', database NOT back' : `, ${r.database.back} ${(r.database.backMs / 1000).toFixed(1)} s after the kill`}${r.violations.length ? `, ${r.violations.length} VIOLATION(S): ${r.violations.map((v) => v.detail).join('; ')}` : ''}`);
    }
  } finally {
    await writer?.stop();
    await apis?.stop();
    await lab?.close();
    await plane.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { seed: o.seed, rounds, violations: rounds.flatMap((r) => r.violations), durationMs: Date.now() - started };
}

interface RoundContext {
  readonly round: number;
  readonly kind: FaultKind;
  readonly random: () => number;
  readonly wrongDevice: { readonly deviceId: string; readonly nodeId: string };
  readonly settleTimeoutMs: number;
  readonly workers: readonly WorkerProcess[];
  spawn(env?: Record<string, string>): Promise<WorkerProcess>;
  readonly plane: ControlPlane;
  readonly apis: ApiReplicas;
  readonly writer: ApiWriter;
  /** Set by an API fault: when its replica was away. */
  apiWindow?: ApiFaultWindow;
  /** Set by MARIADB_RESTART once the database is back. */
  database?: DatabaseRestart;
  /** Called with the incident of a second failure the fault caused. */
  readonly secondIncident?: (incidentId: string) => void;
}

async function runRound(lab: Lab, seeded: Seeded, c: RoundContext, earlier: Map<string, string>, log: (line: string) => void): Promise<RoundResult> {
  const count = 2 + Math.floor(c.random() * 5);
  const vms = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const vm = `x${c.round}-${i}-vm`;
    const priority = [800, 500, 200][Math.floor(c.random() * 3)] as number;
    vms.set(await lab.addService(seeded, `x${c.round}-${i}`, { vms: [vm], priority }), vm);
  }
  await setWrongBmcLevel(lab, c.wrongDevice, c.kind === FaultKind.BMC_WRONG_PASSWORD);
  if (c.kind === FaultKind.WORKER_CLOCK_SHIFT) {
    // one worker replaced by one whose clock runs ahead (libfaketime), so it takes part in this recovery
    const victim = c.workers[0] as WorkerProcess;
    victim.kill('SIGKILL');
    await victim.exited;
    await c.spawn({ LD_PRELOAD: FAKETIME_LIB, FAKETIME: CLOCK_SHIFT, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_DONT_RESET: '1' });
  }
  const roundStart = Date.now();
  const crashAtMs = Date.now();
  if (c.kind === FaultKind.BMC_SILENT) process.kill(pidIn(lab.failed.bmc.dir, 'ipmi_sim.pid'), 'SIGSTOP');
  if (c.kind === FaultKind.AGENT_SILENCED) lab.silence(seeded, 'b');
  await lab.failed.host.crash();
  const incidentId = await lab.declareFailure(seeded);
  let midRecovery = false;
  const second: string[] = [];
  const ctx: RoundContext = { ...c, secondIncident: (id) => void second.push(id) };
  try {
    midRecovery = await inject(lab, seeded, ctx, incidentId);
    await waitSettled(lab, incidentId, c.settleTimeoutMs);
    for (const id of second) await waitSettled(lab, id, c.settleTimeoutMs);
  } catch (err) {
    // a fault that could not be injected, or an incident that did not settle: the checks say what is wrong
    log(`round ${c.round + 1}: ${(err as Error).message}`);
  }
  const row = await lab.store.repos.incidents.get(lab.scope, incidentId);
  const recoveryMs = row.finishedAt ? row.finishedAt.getTime() - crashAtMs : null;
  const violations = [
    ...(await checkRound(lab, seeded, { round: c.round, incidentId, crashAtMs, current: { vms }, earlier: { vms: earlier } satisfies RoundServices, secondIncidents: second })),
    ...(await checkApi(lab.store, c.writer, c.round, ctx.apiWindow)),
  ];
  for (const id of [incidentId, ...second]) {
    const state = (await lab.store.repos.incidents.get(lab.scope, id)).state as IncidentState;
    if (!TERMINAL.includes(state)) await lab.commands.cancel(lab.scope, id, 'chaos: stuck, cancelled to go on').catch(() => undefined);
  }
  if (second.length > 0) await rejoinSurvivor(lab, seeded, 'c');
  for (const [id, vm] of vms) earlier.set(id, vm);
  if (c.kind === FaultKind.AGENT_SILENCED) lab.resume(seeded, 'b');
  const unclean = c.writer.requests.filter((x) => x.at >= roundStart && x.answer === Answer.UNCLEAN);
  if (unclean.length > 0) log(`round ${c.round + 1}: API answered ${unclean.length} request(s) uncleanly, first from ${unclean[0]?.replica}: ${unclean[0]?.detail ?? ''}`);
  const database = c.kind === FaultKind.MARIADB_RESTART ? { database: ctx.database ?? null } : {};
  return { round: c.round, kind: c.kind, services: count, outcome: row.state, midRecovery, recoveryMs, api: apiAnswers(c.writer, roundStart, Date.now()), violations, ...database };
}

/** The fault itself, during the recovery of `incidentId`; true when it landed while the incident was open. */
async function inject(lab: Lab, seeded: Seeded, c: RoundContext, incidentId: string): Promise<boolean> {
  const jitter = (maxMs: number): number => Math.floor(c.random() * maxMs);
  // fencing (the BMC is being asked) or the first service placed (starts under way), by the seed
  const during = async (): Promise<boolean> => during_(lab, incidentId, c.random() < 0.5 ? 'fencing' : 'placed');
  switch (c.kind) {
    case FaultKind.HOST_CRASH:
    case FaultKind.BMC_WRONG_PASSWORD:
    case FaultKind.AGENT_SILENCED:
      return true; // in place before the crash
    case FaultKind.BMC_SILENT: {
      await sleep(2_000 + jitter(3_000));
      process.kill(pidIn(lab.failed.bmc.dir, 'ipmi_sim.pid'), 'SIGCONT');
      return true;
    }
    case FaultKind.WORKER_SIGKILL: {
      const victim = await holder(lab, seeded, incidentId, c.workers);
      const open = await isOpen(lab, incidentId);
      victim.kill('SIGKILL');
      await victim.exited;
      await c.spawn();
      return open;
    }
    case FaultKind.WORKER_SIGSTOP: {
      const victim = await holder(lab, seeded, incidentId, c.workers);
      const open = await isOpen(lab, incidentId);
      victim.kill('SIGSTOP');
      await sleep(6_000 + jitter(4_000)); // past its job lock (5 s) and its claims' lease
      victim.kill('SIGCONT');
      return open;
    }
    case FaultKind.REDIS_LOST: {
      const open = await during();
      await lab.stopRedis();
      await sleep(500 + jitter(1_500));
      await lab.startRedis();
      // the failure detector's reconciliation (no detector runs here): the incident's job is gone, queue it again
      await lab.queue.enqueueIncident(lab.scope.tenantId, incidentId);
      return open;
    }
    case FaultKind.MARIADB_RESTART: {
      const open = await during();
      c.database = await c.plane.restartDatabase(500 + jitter(1_500));
      return open;
    }
    case FaultKind.API_SIGKILL:
    case FaultKind.API_SIGSTOP: {
      const open = await during();
      c.apiWindow = await faultApiReplica(c.apis.replicas, c.kind === FaultKind.API_SIGKILL ? 'kill' : 'stop', c.random);
      return open;
    }
    case FaultKind.HYPERVISOR_PAUSED: {
      const pid = lab.hosts.pid('b');
      if (pid === undefined) throw new Error('libvirtd of b is not running');
      const open = await during();
      process.kill(pid, 'SIGSTOP');
      await sleep(2_000 + jitter(3_000));
      process.kill(pid, 'SIGCONT');
      return open;
    }
    case FaultKind.SURVIVOR_CRASH: {
      const open = await during_(lab, incidentId, 'placed');
      await lab.hosts.kill('c');
      const second = await lab.declareFailure(seeded, 'c');
      c.secondIncident?.(second);
      // `c` has no fencing device: the incident waits for an operator, who confirms it is off
      // after checking it is (its libvirtd is gone), as the runbook says
      await waitFor(lab, second, [IncidentState.AWAITING_OPERATOR, ...TERMINAL]);
      if (lab.hosts.pid('c') !== undefined) throw new Error('c still runs: no confirmation');
      await lab.commands.confirmFenced(lab.scope, second, 'chaos: libvirtd of c is gone');
      return open;
    }
    case FaultKind.WORKER_CLOCK_SHIFT:
      return true; // the shifted worker was started before the crash
  }
}

/** A crashed survivor back: a fresh libvirtd (a rebooted host), ONLINE, beating. */
async function rejoinSurvivor(lab: Lab, seeded: Seeded, host: string): Promise<void> {
  await lab.hosts.restart(host);
  await lab.store.transaction(async (repos) => {
    const n = await repos.nodes.lock(lab.scope, seeded.nodes[host] as string);
    n.status = NodeStatus.ONLINE;
    n.statusReason = 'chaos: rebooted, back';
    await repos.nodes.save(lab.scope, n);
  });
  lab.resume(seeded, host);
}

/** Host `a` back for the next round: powered on by its BMC, ONLINE, beating (what its rejoin does). */
async function rejoinHostA(lab: Lab, seeded: Seeded): Promise<void> {
  await lab.powerOnFailedHost();
  await lab.store.transaction(async (repos) => {
    const n = await repos.nodes.lock(lab.scope, seeded.nodes['a'] as string);
    n.status = NodeStatus.ONLINE;
    n.statusReason = 'chaos: back for the next round';
    await repos.nodes.save(lab.scope, n);
  });
  lab.resume(seeded, 'a');
}

/** A second fencing device on `a`'s BMC with a wrong password, kept at level 9 (unused) until a round puts it first. */
async function addWrongBmc(lab: Lab, seeded: Seeded): Promise<{ deviceId: string; nodeId: string }> {
  const nodeId = seeded.nodes['a'] as string;
  const devices = lab.app.get(FencingDeviceService);
  const bmc = lab.failed.bmc.fenceOptions();
  const device = await devices.add(lab.scope, {
    clusterId: seeded.clusterId,
    name: 'bmc-a-wrong',
    agent: 'fence_ipmilan',
    options: Object.entries(bmc).filter(([k]) => k !== 'password').map(([key, value]) => ({ key, value })),
    secretOptions: [{ key: 'password', value: `${lab.failed.bmc.password}x` }],
  });
  await devices.associate(lab.scope, { deviceId: device.id, nodeId, level: 9 });
  return { deviceId: device.id, nodeId };
}

/** The wrong-password device at level 1 (tried first; the right BMC moved to 2), or back out of the way. */
async function setWrongBmcLevel(lab: Lab, wrong: { deviceId: string; nodeId: string }, first: boolean): Promise<void> {
  await lab.store.transaction(async (repos) => {
    for (const a of await repos.fencingAssociations.find(lab.scope, { nodeId: wrong.nodeId })) {
      a.level = a.deviceId === wrong.deviceId ? (first ? 1 : 9) : first ? 2 : 1;
      await repos.fencingAssociations.save(lab.scope, a);
    }
  });
}

