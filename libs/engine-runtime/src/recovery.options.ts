import { randomBytes } from 'node:crypto';
import { DEFAULT_RECOVERY_SETTINGS, DEFAULT_RETRY_POLICY, RecoverySettings, RetryPolicy } from '@haaas/domain';

export const RECOVERY_OPTIONS = Symbol('RECOVERY_OPTIONS');
export const RECOVERY_REDIS = Symbol('RECOVERY_REDIS');

/** The queues' Redis is the process's `recovery` connection (@haaas/redis, `maxRetriesPerRequest: null` as BullMQ needs). */
export interface RecoveryModuleOptions {
  /** Recovery jobs run at once in this process (default 8): services of one priority start in parallel up to this. */
  readonly concurrency?: number;
  /** Start the BullMQ workers (default true). False: the handlers and the runner only (an API process, tests). */
  readonly runWorkers?: boolean;
  /**
   * BullMQ lock of a running job (default 5 s, renewed by BullMQ every half of it): a killed
   * worker's job is taken up again after it lapses and a stalled check sees it.
   */
  readonly lockDurationMs?: number;
  /** How often the workers look for jobs of dead workers (default 1 s; BullMQ's own 30 s made a takeover wait up to a minute). */
  readonly stalledIntervalMs?: number;
  /**
   * A service claim lasts this long without renewal (default 5 s) and is renewed every
   * `claimRenewMs` (default 1 s, at most a third of it): a dead worker's services are free again
   * within seconds, and a worker stalled for less than ~4 s keeps its claims.
   */
  readonly claimTtlMs?: number;
  readonly claimRenewMs?: number;
  /** How often a job waiting for a claim looks again (default 250 ms). */
  readonly claimPollMs?: number;
  /** How long a service job waits for another actor's claim before the job is retried later (default 60 s). */
  readonly claimWaitMs?: number;
  /** Deadline of one fencing action on one device (default 60 s), and its retries (default 2). */
  readonly fenceTimeoutMs?: number;
  readonly fenceRetries?: number;
  /** Deadline of asking one node which VMs it has (default 10 s). */
  readonly locateDeadlineMs?: number;
  /** Deadline of registering or exporting one VM definition (default 30 s). */
  readonly registerDeadlineMs?: number;
  /** Time allowed for a forced power-off after the graceful part of a stop (default 30 s). */
  readonly forcedStopDeadlineMs?: number;
  /** Parallelism and reserved-host mode of recovery (defaults of @haaas/domain). */
  readonly recovery?: Partial<RecoverySettings>;
  /** Start retries on one target (defaults of @haaas/domain: 3 attempts, 2 s then 4 s). */
  readonly retry?: Partial<RetryPolicy>;
  /** Placement reads the whole cluster at most this often per incident (default 1000 ms); see IncidentLedger. */
  readonly placementViewMaxAgeMs?: number;
  /** How often a service that waits for the cluster's recovery order (another incident goes first) looks again (default 500 ms). */
  readonly orderRecheckMs?: number;
  /** Names this process in claims (default: 8 random hex characters). */
  readonly workerTag?: string;
  readonly log?: (line: string) => void;
  /** A failed fence is tried again by itself after waits doubling from the cluster's fenceRetrySeconds up to this (default 10 min). */
  readonly fenceRetryMaxMs?: number;
}

export interface ResolvedRecoveryOptions {
  readonly concurrency: number;
  readonly runWorkers: boolean;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly claimTtlMs: number;
  readonly claimRenewMs: number;
  readonly claimPollMs: number;
  readonly claimWaitMs: number;
  readonly fenceTimeoutMs: number;
  readonly fenceRetries: number;
  readonly locateDeadlineMs: number;
  readonly registerDeadlineMs: number;
  readonly forcedStopDeadlineMs: number;
  readonly recovery: RecoverySettings;
  readonly retry: RetryPolicy;
  readonly placementViewMaxAgeMs: number;
  readonly orderRecheckMs: number;
  readonly workerTag: string;
  readonly log: (line: string) => void;
  readonly fenceRetryMaxMs: number;
}

export function resolveRecoveryOptions(o: RecoveryModuleOptions): ResolvedRecoveryOptions {
  return {
    concurrency: o.concurrency ?? 8,
    runWorkers: o.runWorkers ?? true,
    lockDurationMs: o.lockDurationMs ?? 5_000,
    stalledIntervalMs: o.stalledIntervalMs ?? 1_000,
    claimTtlMs: o.claimTtlMs ?? 5_000,
    claimRenewMs: Math.max(200, Math.min(o.claimRenewMs ?? 1_000, Math.floor((o.claimTtlMs ?? 5_000) / 3))),
    claimPollMs: o.claimPollMs ?? 250,
    claimWaitMs: o.claimWaitMs ?? 60_000,
    fenceTimeoutMs: o.fenceTimeoutMs ?? 60_000,
    fenceRetries: o.fenceRetries ?? 2,
    locateDeadlineMs: o.locateDeadlineMs ?? 10_000,
    registerDeadlineMs: o.registerDeadlineMs ?? 30_000,
    forcedStopDeadlineMs: o.forcedStopDeadlineMs ?? 30_000,
    recovery: { ...DEFAULT_RECOVERY_SETTINGS, ...o.recovery },
    retry: { ...DEFAULT_RETRY_POLICY, ...o.retry },
    placementViewMaxAgeMs: o.placementViewMaxAgeMs ?? 1_000,
    orderRecheckMs: o.orderRecheckMs ?? 500,
    workerTag: o.workerTag ?? randomBytes(4).toString('hex'),
    log: o.log ?? (() => undefined),
    fenceRetryMaxMs: o.fenceRetryMaxMs ?? 10 * 60_000,
  };
}
