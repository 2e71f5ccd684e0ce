import { ActionClient } from './actions/action.client';
import { ActionExecutor } from './actions/action.executor';
import { ActionPoller } from './actions/action.poller';
import type { AgentConfig } from './agent.config';
import type { AgentLogger } from './agent.logger';
import { bootTime } from './boot-time';
import { CheckRunner } from './checks/check.runner';
import type { CheckResult } from './checks/check.types';
import { isolationCheck } from './checks/isolation.check';
import { storageCheck } from './checks/storage.check';
import { ApiUnavailableError, HeartbeatBody, HeartbeatClient, HeartbeatRefusedError, TokenRefusedError } from './heartbeat.client';
import { fingerprint, TokenError, TokenSource } from './token.source';
import { AGENT_VERSION } from './version';

const MIN_INTERVAL_S = 1;
const MAX_INTERVAL_S = 300;
/** While the token is refused, try again at most this often (the file is re-read each time). */
const TOKEN_RETRY_MS = 5000;
/** Repeat a standing problem in the log this often, not on every heartbeat. */
const REMIND_MS = 60_000;
const SKEW_WARN_MS = 5000;

export interface AgentDeps {
  readonly logger: AgentLogger;
  /** For tests: the random source of the backoff jitter. */
  readonly random?: () => number;
}

/**
 * The node agent: every interval, runs the host's checks and sends a heartbeat; adopts the
 * interval the API answers with; backs off while the API cannot be reached; stops on stop().
 */
export class Agent {
  private readonly client: HeartbeatClient;
  private readonly tokens: TokenSource;
  private readonly storage?: CheckRunner;
  private readonly isolation?: CheckRunner;
  private readonly bootTimeMs = bootTime();
  private readonly random: () => number;
  private readonly stopping = new AbortController();
  private intervalMs: number;
  private failures = 0;
  private problem: { readonly key: string; readonly since: number; lastLogged: number } | undefined;
  private skewWarned = false;
  private delivered = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.client = new HeartbeatClient(config.apiUrl, config.requestTimeoutMs);
    this.tokens = new TokenSource(config, deps.logger);
    this.intervalMs = config.intervalSeconds * 1000;
    this.random = deps.random ?? Math.random;
    if (config.storage) this.storage = new CheckRunner('storage write', storageCheck(config.storage.path), config.storage.timeoutMs);
    if (config.isolationAddress) {
      this.isolation = new CheckRunner('isolation address', isolationCheck(config.isolationAddress.address, config.isolationAddress.timeoutMs), config.isolationAddress.timeoutMs);
    }
  }

  /** Runs until stop(); resolves when the last heartbeat has finished or been aborted and the actions under way have ended. */
  start(): Promise<void> {
    this.running ??= Promise.all([this.loop(), this.actions()]).then(() => undefined);
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  /** Re-read the token file before the next heartbeat (SIGHUP). */
  reloadToken(): void {
    this.tokens.reload();
  }

  private async loop(): Promise<void> {
    const log = this.deps.logger;
    log.info(
      `haaas-agent ${AGENT_VERSION}: heartbeats to ${this.config.apiUrl} every ${this.intervalMs / 1000} s; storage check ${this.config.storage?.path ?? 'off'}, isolation address ${this.config.isolationAddress?.address ?? 'off'}`,
    );
    while (!this.stopping.signal.aborted) {
      const started = Date.now();
      const delay = await this.beat();
      await sleep(Math.max(0, started + delay - Date.now()), this.stopping.signal);
    }
    log.info('stopped');
  }

  /** The resource actions loop, next to the heartbeats: its own long poll, so a slow action never delays a heartbeat. */
  private async actions(): Promise<void> {
    const a = this.config.actions;
    if (!a.enabled) return;
    const where = a.netns || a.mountns ? ` in ${[a.netns ? `network namespace ${a.netns}` : '', a.mountns ? `mount namespace ${a.mountns}` : ''].filter(Boolean).join(' and ')}` : ' on this host';
    this.deps.logger.info(`resource actions: ${a.types.length > 0 ? a.types.join(', ') : 'none'}${where}, up to ${a.maxConcurrent} at once`);
    const executor = new ActionExecutor({
      types: a.types,
      namespaces: { ...(a.netns ? { net: a.netns } : {}), ...(a.mountns ? { mount: a.mountns } : {}) },
      secrets: () => this.deps.logger.knownSecrets(),
    });
    const poller = new ActionPoller(
      new ActionClient(this.config.apiUrl, this.config.requestTimeoutMs),
      executor,
      this.tokens,
      this.deps.logger,
      { waitSeconds: a.pollWaitSeconds, maxConcurrent: a.maxConcurrent, maxBackoffMs: this.config.maxBackoffSeconds * 1000 },
      this.stopping.signal,
    );
    await poller.run();
  }

  /** One heartbeat; returns the delay until the next one. */
  private async beat(): Promise<number> {
    const log = this.deps.logger;
    let token: string;
    try {
      token = await this.tokens.get();
    } catch (err) {
      this.report('token', `cannot load the node agent token: ${(err as Error).message}`);
      return TOKEN_RETRY_MS;
    }
    const body = await this.body();
    if (this.stopping.signal.aborted) return 0;
    try {
      const answer = await this.client.send(token, body, this.stopping.signal);
      this.recovered();
      this.adopt(answer.intervalSeconds);
      this.checkSkew(answer.serverTime);
      return this.intervalMs;
    } catch (err) {
      if (this.stopping.signal.aborted) return 0;
      if (err instanceof TokenRefusedError) {
        this.tokens.reload();
        this.report(
          'token-refused',
          `the API refused the node agent token ${fingerprint(token)} (HTTP 401: ${err.message}). It was rotated or revoked: install the token issueNodeAgentToken returned` +
            (this.config.tokenFile ? ` in ${this.config.tokenFile} (read again on every attempt, or on SIGHUP)` : ' in the configuration and restart the agent'),
        );
        return TOKEN_RETRY_MS;
      }
      this.failures += 1;
      const delay = this.backoff();
      if (err instanceof HeartbeatRefusedError) {
        this.report(`refused-${err.status}`, `the API refused the heartbeat (${err.message}); retrying in ${Math.round(delay / 100) / 10} s`);
      } else if (err instanceof ApiUnavailableError) {
        this.report('unavailable', `heartbeat not delivered (${err.message}); attempt ${this.failures}, retrying in ${Math.round(delay / 100) / 10} s`);
      } else if (err instanceof TokenError) {
        this.report('token', err.message);
      } else {
        log.error(`heartbeat failed: ${(err as Error).message}`);
      }
      return delay;
    }
  }

  private async body(): Promise<HeartbeatBody> {
    const [storage, isolation] = await Promise.all([this.storage?.run(), this.isolation?.run()]);
    const checks: { storage?: CheckResult; isolationAddress?: CheckResult } = {};
    if (storage) checks.storage = storage;
    if (isolation) checks.isolationAddress = isolation;
    return { sentAt: new Date().toISOString(), bootTime: new Date(this.bootTimeMs).toISOString(), checks, agentVersion: AGENT_VERSION };
  }

  private backoff(): number {
    return backoffDelay(this.failures, this.intervalMs, this.config.maxBackoffSeconds * 1000, this.random());
  }

  private adopt(intervalSeconds: number | undefined): void {
    if (typeof intervalSeconds !== 'number' || !Number.isInteger(intervalSeconds)) return;
    const ms = Math.min(MAX_INTERVAL_S, Math.max(MIN_INTERVAL_S, intervalSeconds)) * 1000;
    if (ms === this.intervalMs) return;
    this.deps.logger.info(`heartbeat interval is now ${ms / 1000} s (the cluster's setting)`);
    this.intervalMs = ms;
  }

  private checkSkew(serverTime: string | undefined): void {
    const server = serverTime ? Date.parse(serverTime) : NaN;
    if (Number.isNaN(server) || this.skewWarned) return;
    const skew = Date.now() - server;
    if (Math.abs(skew) > SKEW_WARN_MS) {
      this.skewWarned = true;
      this.deps.logger.warn(`this host's clock is ${Math.round(skew / 1000)} s ${skew > 0 ? 'ahead of' : 'behind'} the API's: check NTP (detection uses the server's clock)`);
    }
  }

  /** Logs a problem when it starts, changes, and then once a minute while it lasts. */
  private report(key: string, message: string): void {
    const now = Date.now();
    if (this.problem?.key === key && now - this.problem.lastLogged < REMIND_MS) return;
    const lasting = this.problem?.key === key ? ` (for ${Math.round((now - this.problem.since) / 1000)} s)` : '';
    this.deps.logger.error(`${message}${lasting}`);
    if (this.problem?.key === key) this.problem.lastLogged = now;
    else this.problem = { key, since: now, lastLogged: now };
  }

  private recovered(): void {
    if (this.problem) {
      this.deps.logger.info(`heartbeats delivered again after ${Math.round((Date.now() - this.problem.since) / 1000)} s of failures`);
      this.problem = undefined;
    } else if (this.failures === 0 && !this.delivered) {
      this.deps.logger.info('first heartbeat delivered');
    }
    this.delivered = true;
    this.failures = 0;
  }
}

/**
 * Delay before attempt `failures + 1`: a ceiling doubling from the interval up to `maxMs` (or the
 * interval, if longer), and a delay drawn from the upper half of it, so a fleet of agents does
 * not return to a recovering API in one wave. `random` is in [0, 1).
 */
export function backoffDelay(failures: number, intervalMs: number, maxMs: number, random: number): number {
  const cap = Math.max(intervalMs, maxMs);
  const ceiling = Math.min(cap, intervalMs * 2 ** Math.min(Math.max(0, failures - 1), 20));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
