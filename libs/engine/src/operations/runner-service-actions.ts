import { DEFAULT_RETRY_POLICY, retryDelayMs, RetryPolicy, TenantScope } from '@haaas/domain';
import type { Store } from '@haaas/persistence';
import { ServiceRunner, ServiceStartError, ServiceStopError, StartedService } from '@haaas/engine-runtime';
import { OperationStepError } from './operation-run';
import type { ServiceActionOptions, ServiceActions } from './service.operations';

export interface RunnerServiceActionsOptions {
  /** How long an operation waits for another actor's claim on the service (a recovery in flight) before failing (default 60 s). */
  readonly claimWaitMs?: number;
  /** Start retries on one node for retryable failures (default: the domain's, 3 attempts, 2 s then 4 s). */
  readonly retry?: Partial<RetryPolicy>;
}

/**
 * The operations' service actions on top of the recovery engine's ServiceRunner, so that an
 * operator's start, stop or relocation touches VMs exactly as recovery does: under the service's
 * claim (one actor at a time), with the check that no VM of the service is active on another node
 * before anything is started, write-ahead placement, and every step in the cluster log.
 */
export class RunnerServiceActions implements ServiceActions {
  private readonly claimWaitMs: number;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly store: Store,
    private readonly runner: ServiceRunner,
    options: RunnerServiceActionsOptions = {},
  ) {
    this.claimWaitMs = options.claimWaitMs ?? 60_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  async start(scope: TenantScope, serviceId: string, nodeId: string, o: ServiceActionOptions): Promise<string> {
    return this.runner.withClaim(
      scope,
      serviceId,
      o.owner,
      async (claim) => {
        const started = await this.startWithRetries(() => this.runner.start(claim, nodeId, { reason: o.owner, ...(o.signal ? { signal: o.signal } : {}) }), serviceId, o.signal);
        return describeStart(started);
      },
      { waitMs: this.claimWaitMs, ...(o.signal ? { signal: o.signal } : {}) },
    );
  }

  async stop(scope: TenantScope, serviceId: string, o: ServiceActionOptions): Promise<string> {
    return this.runner.withClaim(
      scope,
      serviceId,
      o.owner,
      async (claim) => {
        const stopped = await stopOrExplain(() => this.runner.stop(claim, { reason: o.owner, ...(o.signal ? { signal: o.signal } : {}) }));
        return `${stopped.stopped.length} VM(s) stopped in ${stopped.latencyMs} ms`;
      },
      { waitMs: this.claimWaitMs, ...(o.signal ? { signal: o.signal } : {}) },
    );
  }

  /**
   * Stop where it runs, start on the target, under one claim. If the target will not take it,
   * the service is started again where it was, so a failed relocation does not leave it down.
   */
  async relocate(scope: TenantScope, serviceId: string, targetNodeId: string, o: ServiceActionOptions): Promise<string> {
    return this.runner.withClaim(
      scope,
      serviceId,
      o.owner,
      async (claim) => {
        const before = await this.store.repos.services.get(scope, serviceId);
        const from = before.currentNodeId;
        const signal = o.signal ? { signal: o.signal } : {};
        await stopOrExplain(() => this.runner.stop(claim, { reason: `${o.owner}: relocation`, ...signal }));
        try {
          const started = await this.startWithRetries(() => this.runner.start(claim, targetNodeId, { reason: `${o.owner}: relocation`, ...signal }), serviceId, o.signal);
          return describeStart(started);
        } catch (err) {
          if (!(err instanceof OperationStepError) || from === null) throw err;
          try {
            await this.runner.start(claim, from, { reason: `${o.owner}: relocation failed, back to where it ran`, ...signal });
          } catch (back) {
            throw new OperationStepError(`${err.message}; starting it back where it ran failed too: ${back instanceof Error ? back.message : String(back)}`);
          }
          throw new OperationStepError(`${err.message}; it runs again where it was`);
        }
      },
      { waitMs: this.claimWaitMs, ...(o.signal ? { signal: o.signal } : {}) },
    );
  }

  async activeOn(scope: TenantScope, serviceId: string, signal?: AbortSignal): Promise<{ readonly nodeIds: readonly string[]; readonly unreachable: readonly string[] }> {
    const search = await this.runner.locate(scope, serviceId, signal);
    const nodeIds = new Set<string>();
    for (const vm of search.vms.values()) for (const id of vm.activeOn) nodeIds.add(id);
    return { nodeIds: [...nodeIds].sort(), unreachable: search.unreachable.map((u) => u.nodeId) };
  }

  /** Retryable start failures are tried again on the same node with the domain's backoff; others fail the step at once. */
  private async startWithRetries(start: () => Promise<StartedService>, serviceId: string, signal?: AbortSignal): Promise<StartedService> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start();
      } catch (err) {
        if (!(err instanceof ServiceStartError)) throw err;
        if (!err.retryable || attempt >= this.retry.maxAttempts || signal?.aborted) {
          throw new OperationStepError(`${err.kind}: ${err.message}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`);
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt, this.retry, serviceId)));
      }
    }
  }
}

async function stopOrExplain<T>(stop: () => Promise<T>): Promise<T> {
  try {
    return await stop();
  } catch (err) {
    if (err instanceof ServiceStopError) throw new OperationStepError(err.message);
    throw err;
  }
}

function describeStart(s: StartedService): string {
  const counts = new Map<string, number>();
  for (const r of s.resources) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  const what = [...counts.entries()].map(([action, n]) => `${n} ${action.toLowerCase().replace(/_/g, ' ')}`).join(', ');
  return `${what || 'no resources'} in ${s.latencyMs} ms`;
}
