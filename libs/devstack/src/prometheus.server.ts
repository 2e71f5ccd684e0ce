import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { requireBinary } from './debian.packages';
import { type LocalServer, type LocalServerOptions, startServer } from './local.server';
import { silent } from './log.util';

/** A process Prometheus scrapes: its /metrics URL and, when it asks for one, the bearer token. */
export interface ScrapeTarget {
  /** The job label (`api`, `worker`). */
  readonly job: string;
  /** `http://127.0.0.1:4000/metrics`. */
  readonly url: string;
  readonly token?: string;
}

export interface PrometheusOptions extends LocalServerOptions {
  readonly targets: readonly ScrapeTarget[];
  /** Scrape and rule evaluation interval (default 1 s, for tests). */
  readonly intervalSeconds?: number;
  /** Alert rule files to load (deploy/prometheus/alerts.yml). */
  readonly ruleFiles?: readonly string[];
}

export interface PrometheusServer extends LocalServer {
  /** An instant query through the HTTP API (/api/v1/query): the vector's samples. */
  query(expr: string): Promise<readonly { readonly metric: Record<string, string>; readonly value: number }[]>;
}

/** The scrape configuration Prometheus is started with (YAML), from the targets. */
export function prometheusConfig(options: Pick<PrometheusOptions, 'targets' | 'intervalSeconds' | 'ruleFiles'>): string {
  const interval = `${options.intervalSeconds ?? 1}s`;
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    ...(options.ruleFiles?.length ? { rule_files: options.ruleFiles.map((f) => resolve(f)) } : {}),
    scrape_configs: options.targets.map((t) => {
      const u = new URL(t.url);
      return {
        job_name: t.job,
        scheme: u.protocol.replace(':', ''),
        metrics_path: u.pathname,
        ...(t.token ? { authorization: { type: 'Bearer', credentials: t.token } } : {}),
        static_configs: [{ targets: [u.host] }],
      };
    }),
  });
}

/**
 * Starts Debian's Prometheus (`prometheus` package) on 127.0.0.1 with a generated scrape
 * configuration, its TSDB in `dataDir`. URL: `http://127.0.0.1:PORT`.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(join(dataDir, 'tsdb'), { recursive: true });
  const configFile = join(dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(options));
  const prometheus = requireBinary('prometheus', 'prometheus');
  const server = await startServer({
    label: 'Prometheus',
    processName: 'prometheus',
    processCwd: dataDir,
    dataDir,
    pidFile: join(dataDir, 'prometheus.pid'),
    portFile: join(dataDir, 'prometheus.port'),
    logFile: join(dataDir, 'prometheus.log'),
    ...(options.port !== undefined ? { port: options.port } : {}),
    log: options.log ?? silent,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    stopTimeoutMs: 15_000,
    url: (port) => `http://127.0.0.1:${port}`,
    command: (port) => ({
      cmd: prometheus,
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
    }),
    ready: async (url) => {
      try {
        return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok;
      } catch {
        return false;
      }
    },
    fatal: /err="(?:opening storage failed|couldn't load configuration)/i,
  });
  return {
    ...server,
    async query(expr) {
      const res = await fetch(`${server.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success' || !body.data) throw new Error(`Prometheus query ${expr}: ${body.error ?? res.status}`);
      if (body.data.resultType !== 'vector') throw new Error(`Prometheus query ${expr}: a ${body.data.resultType}, not a vector`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
