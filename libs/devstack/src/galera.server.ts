import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { requireBinary } from './debian.packages';
import { freePort } from './free-port.util';
import { type Log, silent } from './log.util';
import { mysqlAnswers } from './mariadb.admin';
import { INNODB_LOG_FILE_SIZE, installIfNeeded, mariaDbPaths } from './mariadb.server';
import { type Connection, createConnection } from 'mysql2/promise';
import { fileSize, type ServerProcess, spawnServer, waitUntilReady } from './process.util';

const PROVIDER = '/usr/lib/galera/libgalera_smm.so';
/** The system user mariadb-server's package creates; the nodes run as it when started by root. */
const DB_USER = 'mysql';

export interface GaleraNode {
  readonly name: string;
  readonly port: number;
  /** `mysql://root@127.0.0.1:PORT` of this node alone. */
  readonly url: string;
  readonly dataDir: string;
  pid(): number | undefined;
  running(): boolean;
}

/** A MariaDB Galera cluster on 127.0.0.1, each node in a directory of its own under `dataDir`. */
export interface GaleraCluster {
  readonly nodes: readonly GaleraNode[];
  /** `mysql://root@127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` (the product's multi-host form). */
  readonly url: string;
  /** SIGKILL of one node (a crash): the others keep the primary component. */
  kill(index: number): Promise<void>;
  /** Starts a stopped node again: it rejoins by IST or SST from a survivor. */
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

export interface GaleraOptions {
  readonly dataDir: string;
  /** Default 3. */
  readonly size?: number;
  readonly log?: Log;
}

interface NodeState {
  readonly name: string;
  readonly dir: string;
  readonly port: number;
  readonly gcommPort: number;
  readonly istPort: number;
  readonly sstPort: number;
  server?: ServerProcess;
}

/**
 * Starts a Galera cluster (Debian's galera-4 with mariadb-server): node 1 bootstraps a new
 * cluster, the others join it and receive its state by rsync SST. Failure detection is tightened
 * (suspect after 2 s instead of 5 s) so that a killed node leaves the cluster quickly in tests.
 * As root, the nodes run as the `mysql` user (as in production): the joiner's rsync SST daemon
 * then writes as that user too. (Run as root, rsync's daemon drops to `nobody`, which cannot
 * overwrite the files mariadbd wrote: a node restarted after a crash was refused its SST.)
 */
// eslint-disable-next-line max-lines-per-function -- a test peer's start-up: bootstrap, join and wait for each node in order (test infrastructure)
export async function startGaleraCluster(options: GaleraOptions): Promise<GaleraCluster> {
  const log = options.log ?? silent;
  const size = options.size ?? 3;
  const root = resolve(options.dataDir);
  mkdirSync(root, { recursive: true });
  requireBinary('rsync', 'rsync');
  if (!existsSync(PROVIDER)) throw new Error(`${PROVIDER} is missing: apt-get install galera-4`);
  const mariadbd = requireBinary('mariadbd', 'mariadb-server');
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? [`--user=${DB_USER}`] : [];
  const nodes: NodeState[] = [];
  for (let i = 1; i <= size; i++) {
    nodes.push({ name: `galera${i}`, dir: join(root, `node${i}`), port: await freePort(), gcommPort: await freePort(), istPort: await freePort(), sstPort: await freePort() });
  }
  // every node starts from the same freshly installed datadir; the joiners' is replaced by SST
  const first = nodes[0] as NodeState;
  mkdirSync(first.dir, { recursive: true });
  const firstPaths = mariaDbPaths(first.dir);
  await installIfNeeded(firstPaths.data, firstPaths.logFile, user, log);
  for (const n of nodes.slice(1)) if (!existsSync(mariaDbPaths(n.dir).data)) cpSync(firstPaths.data, mariaDbPaths(n.dir).data, { recursive: true });
  if (asRoot) requireTraversable(root);
  if (asRoot) execFileSync('chown', ['-R', `${DB_USER}:${DB_USER}`, ...nodes.map((n) => n.dir)]);
  const gcomm = `gcomm://${nodes.map((n) => `127.0.0.1:${n.gcommPort}`).join(',')}`;

  const start = async (n: NodeState, bootstrap: boolean): Promise<void> => {
    const paths = mariaDbPaths(n.dir);
    const started = Date.now();
    const args = [
      '--no-defaults',
      `--datadir=${paths.data}`,
      ...user,
      `--port=${n.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${paths.socket}`,
      `--pid-file=${paths.pidFile}`,
      INNODB_LOG_FILE_SIZE,
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--skip-name-resolve',
      // Galera's requirements: row-based replication, interleaved auto-increment locks, InnoDB
      '--binlog-format=ROW',
      '--innodb-autoinc-lock-mode=2',
      '--default-storage-engine=InnoDB',
      '--innodb-flush-log-at-trx-commit=2', // durability comes from the other nodes' copies
      '--wsrep-on=ON',
      `--wsrep-provider=${PROVIDER}`,
      `--wsrep-cluster-address=${gcomm}`,
      '--wsrep-cluster-name=haaas-test',
      `--wsrep-node-name=${n.name}`,
      `--wsrep-node-address=127.0.0.1:${n.gcommPort}`,
      `--wsrep-node-incoming-address=127.0.0.1:${n.port}`,
      `--wsrep-sst-receive-address=127.0.0.1:${n.sstPort}`,
      '--wsrep-sst-method=rsync',
      `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${n.gcommPort};ist.recv_addr=127.0.0.1:${n.istPort};evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;gcache.size=64M`,
      ...(bootstrap ? ['--wsrep-new-cluster'] : []),
    ];
    const logFile = paths.logFile;
    const logOffset = fileSize(logFile);
    const server = await spawnServer(mariadbd, args, { cwd: n.dir, logFile });
    n.server = server;
    const url = `mysql://root@127.0.0.1:${n.port}`;
    await waitUntilReady({
      what: `Galera node ${n.name} on port ${n.port}`,
      server,
      ready: async () => (await mysqlAnswers(url)) && (await synced(url)),
      timeoutMs: 120_000,
      logFile,
      logOffset,
      fatal: /\[ERROR\] Aborting/,
    });
    log(`Galera ${n.name} synced on ${url} in ${Date.now() - started} ms (pid ${server.pid})`);
  };

  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.server?.stop(60_000)));
  };
  try {
    await start(first, true);
    for (const n of nodes.slice(1)) await start(n, false); // one SST at a time: the donor serves one joiner
  } catch (error) {
    await stopAll();
    throw error;
  }
  const nodeAt = (i: number): NodeState => {
    const n = nodes[i];
    if (!n) throw new Error(`no Galera node ${i}`);
    return n;
  };
  return {
    nodes: nodes.map((n) => ({
      name: n.name,
      port: n.port,
      url: `mysql://root@127.0.0.1:${n.port}`,
      dataDir: n.dir,
      pid: () => n.server?.pid,
      running: () => n.server !== undefined && !n.server.hasExited(),
    })),
    url: `mysql://root@${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    kill: async (i) => {
      const n = nodeAt(i);
      if (!n.server || n.server.hasExited()) return;
      process.kill(n.server.pid, 'SIGKILL');
      await n.server.exited;
    },
    restart: async (i) => start(nodeAt(i), false),
    stop: stopAll,
  };
}

/** Whether the node is a synced member of the primary component (it accepts reads and writes). */
async function synced(url: string): Promise<boolean> {
  try {
    const c: Connection = await createConnection({ uri: url, connectTimeout: 2_000 });
    try {
      const [rows] = await c.query("SHOW STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_status')");
      const status = new Map((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]));
      return status.get('wsrep_local_state_comment') === 'Synced' && status.get('wsrep_cluster_status') === 'Primary';
    } finally {
      await c.end().catch(() => c.destroy());
    }
  } catch {
    return false;
  }
}

/** The `mysql` user must reach its datadir: every ancestor searchable by others (a mkdtemp dir is 0700). */
function requireTraversable(dir: string): void {
  for (let d = dirname(dir); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) throw new Error(`${d} is not searchable by others (mode ${(statSync(d).mode & 0o777).toString(8)}): the Galera nodes run as ${DB_USER}; chmod it 0755`);
    if (dirname(d) === d) return;
  }
}
