import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireBinary } from './debian.packages';
import { type LocalServer, type LocalServerOptions, startServer } from './local.server';
import { type Log, silent } from './log.util';
import { mysqlAnswers } from './mariadb.admin';
import { fileSize, logTail, ServerStartError } from './process.util';

// Small redo log: install-db takes ~0.4 s instead of ~2 s and a datadir is 26 MB instead of 114 MB.
export const INNODB_LOG_FILE_SIZE = '--innodb-log-file-size=16M';

/** Files of a MariaDB data directory as this library lays it out. */
export function mariaDbPaths(dataDir: string): { data: string; pidFile: string; portFile: string; logFile: string; socket: string } {
  const dir = resolve(dataDir);
  const socket = join(dir, 'mariadb.sock');
  return {
    data: join(dir, 'data'),
    pidFile: join(dir, 'mariadb.pid'),
    portFile: join(dir, 'mariadb.port'),
    logFile: join(dir, 'mariadb.log'),
    // Unix socket paths are limited to 107 bytes; a deep dataDir gets one in the temp dir.
    socket: socket.length <= 100 ? socket : join(tmpdir(), `haaas-mariadb-${createHash('sha1').update(dir).digest('hex').slice(0, 12)}.sock`),
  };
}

/**
 * Starts MariaDB on 127.0.0.1 for `dataDir`, initialising it on first use and keeping its data
 * across runs. If a server already runs for that dataDir, it is reused (and not stopped by stop()).
 * The URL is `mysql://root@127.0.0.1:PORT` (root, no password).
 */
export async function startMariaDb(options: LocalServerOptions): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? silent;
  const paths = mariaDbPaths(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const mariadbd = requireBinary('mariadbd', 'mariadb-server');
  const asRoot = process.getuid?.() === 0;
  // mariadbd refuses to run as root unless told to; as anyone else it runs as that user.
  const user = asRoot ? ['--user=root'] : [];

  await installIfNeeded(paths.data, paths.logFile, user, log);
  return startServer({
    label: 'MariaDB',
    processName: 'mariadbd',
    processCwd: paths.data, // mariadbd changes into its datadir
    dataDir,
    pidFile: paths.pidFile,
    portFile: paths.portFile,
    logFile: paths.logFile,
    port: options.port,
    log,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    stopTimeoutMs: 60_000,
    url: (port) => `mysql://root@127.0.0.1:${port}`,
    command: (port) => ({
      cmd: mariadbd,
      args: [
        '--no-defaults', // keep the machine's /etc/mysql settings out; must come first
        `--datadir=${paths.data}`,
        ...user,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${paths.socket}`,
        `--pid-file=${paths.pidFile}`,
        '--skip-log-bin',
        '--innodb-flush-log-at-trx-commit=2', // development data: speed over durability
        INNODB_LOG_FILE_SIZE,
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
        '--skip-name-resolve', // loopback only: no DNS lookups per connection
      ],
    }),
    ready: (url) => mysqlAnswers(url, paths.data),
    // Another mariadbd holds this datadir (its pid file is gone): InnoDB would retry for minutes.
    fatal: /Unable to lock \.\/ibdata1|\[ERROR\] Aborting/,
  });
}

/** Runs mariadb-install-db on first use; into a side directory, so an interrupted run leaves no half datadir. */
export async function installIfNeeded(data: string, logFile: string, user: string[], log: Log): Promise<void> {
  if (existsSync(join(data, 'mysql'))) return;
  if (existsSync(data)) {
    if (readdirSync(data).length > 0) throw new Error(`${data} exists but is not a MariaDB data directory: move it away`);
    rmSync(data, { recursive: true });
  }
  const installDb = requireBinary('mariadb-install-db', 'mariadb-server');
  const partial = `${data}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const started = Date.now();
  const logOffset = fileSize(logFile);
  const args = [
    '--no-defaults',
    `--datadir=${partial}`,
    ...user,
    '--auth-root-authentication-method=normal', // root without password over TCP, like a dev server
    '--skip-test-db',
    '--skip-name-resolve',
    INNODB_LOG_FILE_SIZE,
  ];
  const fd = openSync(logFile, 'a');
  let code: number | null;
  try {
    code = await new Promise<number | null>((done, fail) => {
      const child = spawn(installDb, args, { stdio: ['ignore', fd, fd] });
      child.once('error', fail);
      child.once('exit', (exitCode) => done(exitCode));
    });
  } finally {
    closeSync(fd);
  }
  if (code !== 0) throw new ServerStartError(`mariadb-install-db failed (exit ${code})`, logTail(logFile, logOffset));
  renameSync(partial, data);
  log(`MariaDB: initialised ${data} in ${Date.now() - started} ms`);
}
