import { readFileSync, writeFileSync } from 'node:fs';
import { freePort, isPortOpen } from './free-port.util';
import { type Log } from './log.util';
import { fileSize, findServerPid, type ServerProcess, ServerStartError, spawnServer, waitUntilReady } from './process.util';

/** A server on 127.0.0.1, started by us or found already running for the same data directory. */
export interface LocalServer {
  /** `mysql://root@127.0.0.1:PORT` or `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  /** True when a server already running for this dataDir was reused: stop() then leaves it running. */
  readonly reused: boolean;
  /** Stops the server and waits until it has exited (SIGKILL after a timeout). Idempotent. */
  stop(): Promise<void>;
}

export interface LocalServerOptions {
  /** Where the server keeps its data, pid file and log. Created when missing; reused when present. */
  dataDir: string;
  /** Defaults to a free port chosen by the OS. */
  port?: number;
  log?: Log;
  /** How long to wait for the server to answer; default 60 s. */
  readyTimeoutMs?: number;
}

/** What differs between servers; the start, reuse and retry logic is common. */
export interface ServerSpec {
  label: string;
  /** Expected in /proc/PID/cmdline of a live server. */
  processName: string;
  /** The running server's working directory, to recognise a server of this dataDir. */
  processCwd: string;
  dataDir: string;
  pidFile: string;
  portFile: string;
  logFile: string;
  port?: number;
  log: Log;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  url(port: number): string;
  command(port: number): { cmd: string; args: string[] };
  /** Whether the server at `url` answers and is the one with this pid. */
  ready(url: string, pid: number): Promise<boolean>;
  fatal?: RegExp;
}

const PORT_IN_USE = /address already in use/i;

export async function startServer(spec: ServerSpec): Promise<LocalServer> {
  const running = await reuseRunning(spec);
  if (running) return running;
  if (spec.port !== undefined && (await isPortOpen(spec.port))) {
    throw new Error(`${spec.label}: port ${spec.port} is already in use on 127.0.0.1`);
  }
  // A port the OS called free can be taken before the server binds it: then try another one.
  for (let attempt = 1; ; attempt++) {
    const port = spec.port ?? (await freePort());
    try {
      return await startOnce(spec, port);
    } catch (error) {
      const retry = spec.port === undefined && attempt < 3 && error instanceof ServerStartError && PORT_IN_USE.test(error.log);
      if (!retry) throw error;
      spec.log(`${spec.label}: port ${port} was taken meanwhile, trying another`);
    }
  }
}

async function startOnce(spec: ServerSpec, port: number): Promise<LocalServer> {
  const started = Date.now();
  const url = spec.url(port);
  writeFileSync(spec.portFile, `${port}\n`);
  const logOffset = fileSize(spec.logFile);
  const { cmd, args } = spec.command(port);
  const server: ServerProcess = await spawnServer(cmd, args, { cwd: spec.dataDir, logFile: spec.logFile });
  await waitUntilReady({
    what: `${spec.label} on port ${port}`,
    server,
    ready: () => spec.ready(url, server.pid),
    timeoutMs: spec.readyTimeoutMs,
    logFile: spec.logFile,
    logOffset,
    fatal: spec.fatal ? new RegExp(`${spec.fatal.source}|${PORT_IN_USE.source}`, 'i') : PORT_IN_USE,
  });
  spec.log(`${spec.label} ready on ${url} in ${Date.now() - started} ms (pid ${server.pid}, log ${spec.logFile})`);
  return {
    url,
    port,
    pid: server.pid,
    dataDir: spec.dataDir,
    reused: false,
    stop: () => server.stop(spec.stopTimeoutMs),
  };
}

/** A server already running for this dataDir is used as is: a second one would corrupt its data. */
async function reuseRunning(spec: ServerSpec): Promise<LocalServer | undefined> {
  const pid = findServerPid(spec.pidFile, { name: spec.processName, cwd: spec.processCwd });
  if (pid === undefined) return undefined;
  const port = Number.parseInt(readOr(spec.portFile, ''), 10);
  const stopHint = `stop it (kill ${pid}) or use another data directory`;
  if (!Number.isInteger(port)) {
    throw new Error(`${spec.label} is already running for ${spec.dataDir} (pid ${pid}) but its port is unknown: ${stopHint}`);
  }
  if (spec.port !== undefined && spec.port !== port) {
    throw new Error(`${spec.label} is already running for ${spec.dataDir} on port ${port} (pid ${pid}), not ${spec.port}: ${stopHint}`);
  }
  const url = spec.url(port);
  // It may still be starting (another process launched it a moment ago), but not for long.
  const deadline = Date.now() + Math.min(spec.readyTimeoutMs, 15_000);
  while (!(await spec.ready(url, pid))) {
    if (Date.now() > deadline) throw new Error(`${spec.label} pid ${pid} runs for ${spec.dataDir} but does not answer on ${url}: ${stopHint}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  spec.log(`${spec.label} already running for ${spec.dataDir} (pid ${pid}): reusing ${url}; it was not started here and stays running`);
  return { url, port, pid, dataDir: spec.dataDir, reused: true, stop: async () => undefined };
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}
