import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerProcess } from './lab-types';

const REPO = resolve(__dirname, '../../../..');

export interface SpawnWorkerOptions {
  /** The lab's temp dir: the worker's log goes there. */
  readonly dir: string;
  readonly dbUrl: string;
  readonly redisUrl: string;
  readonly tag: string;
  readonly env: Readonly<Record<string, string>>;
  /** The lab's workers, killed at its close: the new one is added before it is ready, so a failed start is killed too. */
  readonly workers: WorkerProcess[];
}

/** A recovery worker in a child process (`node tools/run.js …/recovery-worker.entry.ts`), resolved once it says it is ready. */
export async function spawnLabWorker({ dir, dbUrl, redisUrl, tag, env, workers }: SpawnWorkerOptions): Promise<WorkerProcess> {
  const logFile = join(dir, `worker-${tag}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [join(REPO, 'tools/run.js'), join(REPO, 'libs/recovery/src/testing/recovery-worker.entry.ts')], {
      cwd: REPO,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_ENV: 'test', HAAAS_DB_URL: dbUrl, HAAAS_REDIS_URL: redisUrl, RECOVERY_WORKER_TAG: tag, ...env },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const worker: WorkerProcess = {
    tag,
    pid: child.pid ?? -1,
    logFile,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    log: () => readFileSync(logFile, 'utf8'),
  };
  workers.push(worker);
  // ready when it says so: its BullMQ workers are listening
  const until = Date.now() + 60_000;
  while (!worker.log().includes('recovery worker ready')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker ${tag} exited while starting:\n${worker.log()}`);
    if (Date.now() > until) throw new Error(`worker ${tag} not ready after 60 s:\n${worker.log()}`);
    await sleep(100);
  }
  return worker;
}
