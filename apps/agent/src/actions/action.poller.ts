import type { AgentLogger } from '../agent.logger';
import { ApiUnavailableError, TokenRefusedError } from '../heartbeat.client';
import type { TokenSource } from '../token.source';
import { ActionClient, ActionUnknownError } from './action.client';
import type { ActionExecutor } from './action.executor';
import type { ActionResult, AgentAction } from './action.types';

export interface PollerOptions {
  /** Seconds the API may hold a poll open (default 25). */
  readonly waitSeconds: number;
  /** Actions carried out at once (default 4): services of one node start in parallel during a recovery. */
  readonly maxConcurrent: number;
  readonly maxBackoffMs: number;
}

/** Attempts to deliver one result (the engine waits a few seconds past the deadline for it). */
const REPORT_ATTEMPTS = 5;

/**
 * Long-polls the API for this node's resource actions, carries each out (several at once) and
 * reports its result. Backs off while the API cannot be reached.
 */
export class ActionPoller {
  private readonly running = new Set<Promise<void>>();
  private failures = 0;

  constructor(
    private readonly client: ActionClient,
    private readonly executor: ActionExecutor,
    private readonly tokens: TokenSource,
    private readonly logger: AgentLogger,
    private readonly options: PollerOptions,
    private readonly stopping: AbortSignal,
  ) {}

  async run(): Promise<void> {
    while (!this.stopping.aborted) {
      if (this.running.size >= this.options.maxConcurrent) {
        await Promise.race(this.running);
        continue;
      }
      let token: string;
      try {
        token = await this.tokens.get();
      } catch {
        // the heartbeat loop reports token problems
        await sleep(5000, this.stopping);
        continue;
      }
      try {
        const action = await this.client.next(token, this.options.waitSeconds, this.stopping);
        if (this.failures > 0) this.logger.info('action polls get through again');
        this.failures = 0;
        if (action) this.track(this.carryOut(action));
      } catch (err) {
        if (this.stopping.aborted) break;
        if (err instanceof TokenRefusedError) {
          this.tokens.reload();
          await sleep(5000, this.stopping);
          continue;
        }
        this.failures += 1;
        const delay = Math.min(this.options.maxBackoffMs, 500 * 2 ** Math.min(this.failures, 10));
        // the heartbeat loop already reports an API that cannot be reached; say it once here
        if (this.failures === 1) this.logger.warn(`action poll failed (${(err as Error).message}); retrying with backoff`);
        await sleep(delay * (0.5 + Math.random() / 2), this.stopping);
      }
    }
    // actions under way finish (their commands are killed on stop) and report if they can
    await Promise.all(this.running);
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async carryOut(action: AgentAction): Promise<void> {
    const what = `${action.kind} ${action.resource.type} ${action.resource.name} (action ${action.id})`;
    this.logger.info(`${what}: carrying out within ${Math.round(action.timeoutMs / 100) / 10} s`);
    const result = await this.executor.execute(action, this.stopping);
    const line = `${what}: ${result.outcome}${result.exitCode !== null ? ` (exit code ${result.exitCode})` : ''} in ${result.latencyMs} ms: ${result.detail}`;
    if (result.ok || action.kind === 'monitor') this.logger.info(line);
    else this.logger.warn(line);
    await this.report(action, result);
  }

  private async report(action: AgentAction, result: ActionResult): Promise<void> {
    for (let attempt = 1; attempt <= REPORT_ATTEMPTS; attempt++) {
      try {
        const token = await this.tokens.get();
        await this.client.report(token, action.id, result, new AbortController().signal);
        return;
      } catch (err) {
        if (err instanceof ActionUnknownError) {
          this.logger.warn(`result of action ${action.id} not taken: ${err.message}`);
          return;
        }
        if (err instanceof TokenRefusedError) this.tokens.reload();
        const last = attempt === REPORT_ATTEMPTS;
        if (last || !(err instanceof ApiUnavailableError || err instanceof TokenRefusedError)) {
          this.logger.error(`result of action ${action.id} not delivered: ${(err as Error).message}`);
          return;
        }
        await sleep(500 * attempt, new AbortController().signal);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
