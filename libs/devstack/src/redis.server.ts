import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { requireBinary } from './debian.packages';
import { type LocalServer, type LocalServerOptions, startServer } from './local.server';
import { silent } from './log.util';

export function redisPaths(dataDir: string): { pidFile: string; portFile: string; logFile: string } {
  const dir = resolve(dataDir);
  return { pidFile: join(dir, 'redis.pid'), portFile: join(dir, 'redis.port'), logFile: join(dir, 'redis.log') };
}

/**
 * Starts Redis on 127.0.0.1 without persistence (queues of a dev or test run need none), logging
 * into `dataDir`. If a server already runs for that dataDir, it is reused. URL: `redis://127.0.0.1:PORT`.
 */
export async function startRedis(options: LocalServerOptions & { readonly extraArgs?: readonly string[] }): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir);
  const paths = redisPaths(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const redisServer = requireBinary('redis-server', 'redis-server');
  return startServer({
    label: 'Redis',
    processName: 'redis-server',
    processCwd: dataDir,
    dataDir,
    ...paths,
    port: options.port,
    log: options.log ?? silent,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    stopTimeoutMs: 15_000,
    url: (port) => `redis://127.0.0.1:${port}`,
    command: (port) => ({
      cmd: redisServer,
      // --daemonize no: we keep the pid of the real server, so stop() and the watchdog can end it.
      args: [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--save', '',
        '--appendonly', 'no',
        // Test files with BullMQ workers each take a database of their own (test/support/redis.ts).
        '--databases', '64',
        '--daemonize', 'no',
        '--dir', dataDir,
        '--pidfile', paths.pidFile,
        '--logfile', paths.logFile,
        ...(options.extraArgs ?? []),
      ],
    }),
    ready: redisAnswers,
  });
}

/** Whether the Redis at `url` answers PING; with `expectPid`, also whether it is that process. */
export async function redisAnswers(url: string, expectPid?: number): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null, // one attempt: the caller polls
    // After a refused connection ioredis' disconnect() leaves this timer behind, keeping the process up.
    disconnectTimeout: 100,
  });
  client.on('error', () => undefined); // failures are the answer, not noise on stderr
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG') return false;
    if (expectPid === undefined) return true;
    const info = await client.info('server');
    return new RegExp(`^process_id:${expectPid}\\r?$`, 'm').test(info);
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
