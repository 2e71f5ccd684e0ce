import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { freePort } from '@haaas/devstack';

const REPO = resolve(__dirname, '../../../../..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One API process (apps/api/src/main.ts) on its own port, restartable on the same port. */
export interface ApiReplica {
  readonly name: string;
  readonly url: string;
  pid(): number | undefined;
  signal(signal: NodeJS.Signals): void;
  /** Starts it (again) and waits until /health/live answers. */
  start(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

export interface ApiReplicas {
  readonly replicas: readonly ApiReplica[];
  /** A token of the campaign's API tenant (`chaos-api`), valid for every replica. */
  readonly token: string;
  stop(): Promise<void>;
}

const JWT = { issuer: 'haaas-chaos', audience: 'haaas' };

/**
 * Two (or `count`) API processes on the campaign's MariaDB and Redis, as a load balancer would see
 * them: the same configuration, separate ports. The campaign's API client spreads its requests over
 * them and moves to the other when one does not answer.
 */
export async function startApiReplicas(o: { readonly dbUrl: string; readonly redisUrl: () => string; readonly dir: string; readonly count?: number }): Promise<ApiReplicas> {
  const secret = randomBytes(32).toString('hex');
  const replicas: ApiReplica[] = [];
  for (let i = 0; i < (o.count ?? 2); i++) {
    const port = await freePort();
    const name = `api${i + 1}`;
    const logFile = join(o.dir, `${name}.log`);
    let child: ChildProcess | undefined;
    const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
    const replica: ApiReplica = {
      name,
      url: `http://127.0.0.1:${port}`,
      pid: () => (running() ? child?.pid : undefined),
      signal: (s) => void (running() && child?.kill(s)),
      async start() {
        const fd = openSync(logFile, 'a');
        try {
          child = spawn(process.execPath, [join(REPO, 'tools/run.js'), join(REPO, 'apps/api/src/main.ts')], {
            cwd: REPO,
            env: {
              PATH: process.env['PATH'] ?? '/usr/bin:/bin',
              NODE_ENV: 'development',
              HAAAS_HTTP_PORT: String(port),
              HAAAS_DB_URL: o.dbUrl,
              HAAAS_REDIS_URL: o.redisUrl(),
              HAAAS_JWT_SECRET: secret,
              HAAAS_JWT_ISSUER: JWT.issuer,
              HAAAS_JWT_AUDIENCE: JWT.audience,
              // the campaign writes a resource or two a second for the whole run
              HAAAS_QUOTA_MAX_RESOURCES: '1000000',
            },
            stdio: ['ignore', fd, fd],
          });
        } finally {
          closeSync(fd);
        }
        const until = Date.now() + 90_000;
        for (;;) {
          const ok = await fetch(`${replica.url}/health/live`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
          if (ok) return;
          if (!running()) throw new Error(`${name} exited while starting:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
          if (Date.now() > until) throw new Error(`${name} not live after 90 s:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
          await sleep(200);
        }
      },
      async kill() {
        const c = child;
        if (!c || !running()) return;
        const exited = new Promise<void>((done) => c.once('exit', () => done()));
        c.kill('SIGCONT'); // a stopped process dies of SIGKILL too, but say it plainly
        c.kill('SIGKILL');
        await exited;
      },
    };
    replicas.push(replica);
  }
  await Promise.all(replicas.map((r) => r.start()));
  const token = await new SignJWT({ tenant: 'chaos-api', roles: ['member'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('chaos')
    .setIssuer(JWT.issuer)
    .setAudience(JWT.audience)
    .setIssuedAt()
    .setExpirationTime('24h')
    .sign(new TextEncoder().encode(secret));
  return { replicas, token, stop: async () => void (await Promise.all(replicas.map((r) => r.kill()))) };
}
