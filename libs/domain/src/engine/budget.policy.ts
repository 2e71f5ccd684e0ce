import { ServicePolicy } from '../service-policy';
import { DEFAULT_RETRY_POLICY, RetryPolicy } from './engine.settings';
import { ServicePlacement } from './placement.types';

export interface RestartBudget {
  readonly allowed: boolean;
  /** Restarts inside the window. */
  readonly used: number;
  readonly remaining: number;
  /** When the oldest counted restart leaves the window and one more is allowed; null when allowed now or never. */
  readonly nextAllowedAtMs: number | null;
  readonly reason: string;
}

/**
 * Whether one more restart in place is allowed: at most `maxRestarts` within the last
 * `restartWindowSeconds`. A restart at t counts while now - t < window; timestamps after `nowMs`
 * (another worker's clock running ahead) count too, erring on the side of not restarting.
 */
export function restartBudget(
  policy: Pick<ServicePolicy, 'maxRestarts' | 'restartWindowSeconds'>,
  recentRestartsMs: readonly number[],
  nowMs: number,
): RestartBudget {
  const windowMs = policy.restartWindowSeconds * 1000;
  const counted = recentRestartsMs.filter((t) => nowMs - t < windowMs).sort((a, b) => a - b);
  const used = counted.length;
  const remaining = Math.max(0, policy.maxRestarts - used);
  if (policy.maxRestarts === 0) {
    return { allowed: false, used, remaining: 0, nextAllowedAtMs: null, reason: 'maxRestarts is 0: no restart in place' };
  }
  if (used < policy.maxRestarts) {
    return { allowed: true, used, remaining, nextAllowedAtMs: null, reason: `${used} of ${policy.maxRestarts} restarts used in the last ${policy.restartWindowSeconds} s` };
  }
  // this many of the oldest must leave the window before one more restart fits
  const oldestToExpire = counted[used - policy.maxRestarts] as number;
  return {
    allowed: false,
    used,
    remaining: 0,
    nextAllowedAtMs: oldestToExpire + windowMs,
    reason: `restart budget spent: ${used} restarts in the last ${policy.restartWindowSeconds} s (max ${policy.maxRestarts})`,
  };
}

/** The restarts worth storing: those still inside the window, oldest first. */
export function pruneRestarts(policy: Pick<ServicePolicy, 'restartWindowSeconds'>, recentRestartsMs: readonly number[], nowMs: number): number[] {
  const windowMs = policy.restartWindowSeconds * 1000;
  return recentRestartsMs.filter((t) => nowMs - t < windowMs).sort((a, b) => a - b);
}

export type TargetDecision =
  | {
      readonly kind: 'TRY';
      readonly nodeId: string;
      /** 1 for the first target of the incident, 2 for the first relocation, ... */
      readonly targetNumber: number;
      readonly relocationsLeft: number;
    }
  | { readonly kind: 'FAILED'; readonly reason: string };

/**
 * The next target of a service in an incident, within its relocation budget. The first target is
 * the failover itself; each later one is a relocation, so a service may try 1 + maxRelocations
 * nodes (maxRelocations 0: one target, then FAILED). `placement` should come from `placeService`
 * with `triedNodeIds` set; tried nodes are skipped here as well.
 */
export function nextTarget(policy: Pick<ServicePolicy, 'maxRelocations'>, triedNodeIds: readonly string[], placement: ServicePlacement): TargetDecision {
  const allowed = 1 + policy.maxRelocations;
  if (triedNodeIds.length >= allowed) {
    return {
      kind: 'FAILED',
      reason: `relocation budget spent: tried ${triedNodeIds.join(', ')} (maxRelocations ${policy.maxRelocations})`,
    };
  }
  const tried = new Set(triedNodeIds);
  const next = placement.candidates.find((c) => !tried.has(c.nodeId));
  if (!next) {
    const why = placement.reason ?? 'every candidate was tried';
    return { kind: 'FAILED', reason: triedNodeIds.length > 0 ? `no node left after trying ${triedNodeIds.join(', ')}: ${why}` : why };
  }
  return { kind: 'TRY', nodeId: next.nodeId, targetNumber: triedNodeIds.length + 1, relocationsLeft: allowed - triedNodeIds.length - 1 };
}

/** FNV-1a, 32 bits: a stable spread for jitter, the same on every worker and every replay. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Delay before the next start attempt after `failedAttempts` failures (1 = after the first):
 * initialDelayMs x multiplier^(failedAttempts-1), capped at maxDelayMs. With a jitter ratio and a
 * key, the delay is shortened by up to that ratio, by an amount fixed by the key and the attempt.
 */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY, jitterKey?: string): number {
  const n = Math.max(1, Math.floor(failedAttempts));
  const raw = policy.initialDelayMs * Math.pow(policy.multiplier, n - 1);
  const capped = Math.min(raw, policy.maxDelayMs);
  if (policy.jitterRatio <= 0 || jitterKey === undefined) return Math.round(capped);
  const fraction = hash32(`${jitterKey}:${n}`) / 0x1_0000_0000;
  return Math.round(capped * (1 - Math.min(1, policy.jitterRatio) * fraction));
}

/** The delays before attempts 2..maxAttempts on one target. */
export function backoffSchedule(policy: RetryPolicy = DEFAULT_RETRY_POLICY, jitterKey?: string): number[] {
  return Array.from({ length: Math.max(0, policy.maxAttempts - 1) }, (_, i) => retryDelayMs(i + 1, policy, jitterKey));
}

export type RetryDecision =
  | { readonly retry: true; readonly nextAttempt: number; readonly delayMs: number; readonly retryAtMs: number }
  | { readonly retry: false; readonly reason: string };

/**
 * After a failed start on a target: retry there after the backoff, or give the target up (the
 * caller then asks `nextTarget`). A non-retryable error (e.g. the VM's disk is missing on that
 * host) gives the target up at once.
 */
export function retryDecision(
  failedAttempts: number,
  nowMs: number,
  retryable = true,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  jitterKey?: string,
): RetryDecision {
  if (!retryable) return { retry: false, reason: 'the error is not retryable on this node' };
  if (failedAttempts >= policy.maxAttempts) return { retry: false, reason: `${failedAttempts} of ${policy.maxAttempts} start attempts failed on this node` };
  const delayMs = retryDelayMs(failedAttempts, policy, jitterKey);
  return { retry: true, nextAttempt: failedAttempts + 1, delayMs, retryAtMs: nowMs + delayMs };
}
