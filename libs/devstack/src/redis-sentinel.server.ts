import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { requireBinary } from './debian.packages';
import { type LocalServer, startServer } from './local.server';
import { type Log, silent } from './log.util';
import { isAlive, sleep } from './process.util';
import { redisAnswers, startRedis } from './redis.server';

export const SENTINEL_MASTER_NAME = 'haaas';

/** A Redis primary, its replica and three Sentinels on 127.0.0.1 (Debian's redis-server in sentinel mode). */
export interface RedisSentinelSet {
  /** `redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3?name=haaas` (the product's Sentinel form). */
  readonly url: string;
  /** The data servers, primary first as started. */
  readonly servers: readonly LocalServer[];
  readonly sentinels: readonly LocalServer[];
  /** The primary's port as the Sentinels report it now. */
  primaryPort(): Promise<number>;
  /** SIGKILL of the current primary; resolves once a Sentinel reports the promoted replica, with the time it took. */
  killPrimary(timeoutMs?: number): Promise<{ readonly killedPort: number; readonly promotedPort: number; readonly failoverMs: number }>;
  /** Starts a killed data server again on its port, as a replica of the current primary (so a later killPrimary has one to promote). */
  revive(port: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisSentinelOptions {
  readonly dataDir: string;
  readonly log?: Log;
  /** Sentinel's down-after-milliseconds (default 1000: tests want a quick failover). */
  readonly downAfterMs?: number;
}

/**
 * Starts the Sentinel set-up the HA control plane is tested on. Sentinel rewrites its config file
 * (it records the replicas, the other Sentinels and each failover), so each has one of its own.
 */
// eslint-disable-next-line max-lines-per-function -- a test peer's start-up: master, replicas and sentinels in order, each waited for (test infrastructure)
export async function startRedisSentinelSet(options: RedisSentinelOptions): Promise<RedisSentinelSet> {
  const root = resolve(options.dataDir);
  const log = options.log ?? silent;
  const downAfter = options.downAfterMs ?? 1000;
  const started: LocalServer[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.splice(0).reverse().map((s) => s.stop()));
  };
  try {
    const primary = await startRedis({ dataDir: join(root, 'primary'), log });
    started.push(primary);
    const replica = await startRedis({ dataDir: join(root, 'replica'), log, extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] });
    started.push(replica);
    await waitForReplication(replica.url);
    const sentinels: LocalServer[] = [];
    for (let i = 1; i <= 3; i++) {
      const s = await startSentinel(join(root, `sentinel${i}`), primary.port, downAfter, log);
      started.push(s);
      sentinels.push(s);
    }
    const url = `redis-sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}?name=${SENTINEL_MASTER_NAME}`;
    const servers: LocalServer[] = [primary, replica];
    const primaryPort = async (): Promise<number> => {
      for (const s of sentinels) {
        const port = await askSentinel(s.port).catch(() => undefined);
        if (port !== undefined) return port;
      }
      throw new Error('no Sentinel answered');
    };
    return {
      url,
      servers,
      sentinels,
      primaryPort,
      killPrimary: async (timeoutMs = 30_000) => {
        const killedPort = await primaryPort();
        const victim = servers.find((s) => s.port === killedPort);
        if (!victim) throw new Error(`primary on port ${killedPort} is not one of ours`);
        const t0 = Date.now();
        process.kill(victim.pid, 'SIGKILL');
        while (isAlive(victim.pid)) await sleep(10);
        for (;;) {
          const port = await primaryPort().catch(() => killedPort);
          if (port !== killedPort && (await redisAnswers(`redis://127.0.0.1:${port}`))) return { killedPort, promotedPort: port, failoverMs: Date.now() - t0 };
          if (Date.now() - t0 > timeoutMs) throw new Error(`Sentinel promoted no replica within ${timeoutMs} ms`);
          await sleep(50);
        }
      },
      revive: async (port) => {
        const index = servers.findIndex((s) => s.port === port);
        const dead = servers[index];
        if (!dead || isAlive(dead.pid)) throw new Error(`no killed data server on port ${port}`);
        const primaryNow = await primaryPort();
        const revived = await startRedis({ dataDir: dead.dataDir, port, log, extraArgs: ['--replicaof', '127.0.0.1', String(primaryNow)] });
        servers[index] = revived;
        started.push(revived);
        await waitForReplication(revived.url);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startSentinel(dir: string, primaryPort: number, downAfterMs: number, log: Log): Promise<LocalServer> {
  mkdirSync(dir, { recursive: true });
  const redisServer = requireBinary('redis-server', 'redis-server');
  const conf = join(dir, 'sentinel.conf');
  const paths = { pidFile: join(dir, 'sentinel.pid'), portFile: join(dir, 'sentinel.port'), logFile: join(dir, 'sentinel.log') };
  return startServer({
    label: 'Redis Sentinel',
    processName: 'redis-server',
    processCwd: dir,
    dataDir: dir,
    ...paths,
    log,
    readyTimeoutMs: 30_000,
    stopTimeoutMs: 15_000,
    url: (port) => `redis://127.0.0.1:${port}`,
    command: (port) => {
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'daemonize no',
          `dir ${dir}`,
          `pidfile ${paths.pidFile}`,
          `logfile ${paths.logFile}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${downAfterMs}`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      return { cmd: redisServer, args: [conf, '--sentinel'] };
    },
    ready: async (url, pid) => (await redisAnswers(url, pid)) && (await askSentinel(Number(new URL(url).port)).catch(() => undefined)) === primaryPort,
  });
}

/** The primary's port by `SENTINEL get-master-addr-by-name`. */
async function askSentinel(port: number): Promise<number | undefined> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, disconnectTimeout: 100 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)) as [string, string] | null;
    return addr ? Number(addr[1]) : undefined;
  } finally {
    c.disconnect();
  }
}

async function waitForReplication(replicaUrl: string): Promise<void> {
  const c = new Redis(replicaUrl, { maxRetriesPerRequest: 1 });
  try {
    for (let i = 0; i < 200; i++) {
      if (/master_link_status:up/.test(await c.info('replication'))) return;
      await sleep(50);
    }
    throw new Error('the replica did not sync with the primary');
  } finally {
    c.disconnect();
  }
}
