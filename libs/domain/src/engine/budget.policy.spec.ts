import { backoffSchedule, nextTarget, pruneRestarts, restartBudget, retryDecision, retryDelayMs } from './budget.policy';
import { DEFAULT_RETRY_POLICY, RetryPolicy } from './engine.settings';
import { ServicePlacement } from './placement.types';

const S = 1000;

describe('restartBudget', () => {
  const policy = { maxRestarts: 3, restartWindowSeconds: 600 };
  const now = 1_000_000 * S;

  it('allows restarts while fewer than maxRestarts fall in the window', () => {
    expect(restartBudget(policy, [], now)).toEqual({ allowed: true, used: 0, remaining: 3, nextAllowedAtMs: null, reason: '0 of 3 restarts used in the last 600 s' });
    expect(restartBudget(policy, [now - 10 * S, now - 20 * S], now)).toMatchObject({ allowed: true, used: 2, remaining: 1 });
  });

  it('refuses the fourth within the window and says when the next is allowed', () => {
    const r = restartBudget(policy, [now - 500 * S, now - 100 * S, now - 300 * S], now);
    expect(r).toEqual({
      allowed: false,
      used: 3,
      remaining: 0,
      nextAllowedAtMs: now + 100 * S, // the oldest (500 s ago) leaves the 600 s window in 100 s
      reason: 'restart budget spent: 3 restarts in the last 600 s (max 3)',
    });
  });

  it('a restart exactly one window ago no longer counts; one millisecond younger does', () => {
    expect(restartBudget(policy, [now - 600 * S, now - 1, now - 2], now)).toMatchObject({ allowed: true, used: 2 });
    expect(restartBudget(policy, [now - 600 * S + 1, now - 1, now - 2], now)).toMatchObject({ allowed: false, used: 3, nextAllowedAtMs: now + 1 });
  });

  it('with more restarts than the maximum, the next is allowed when enough of them have left', () => {
    const r = restartBudget({ maxRestarts: 2, restartWindowSeconds: 60 }, [now - 50 * S, now - 40 * S, now - 30 * S, now - 20 * S], now);
    // 4 counted, max 2: the 3rd oldest (30 s ago) must leave, at now + 30 s
    expect(r).toMatchObject({ allowed: false, used: 4, nextAllowedAtMs: now + 30 * S });
  });

  it('counts timestamps from the future (a clock ahead), erring towards not restarting', () => {
    expect(restartBudget(policy, [now + 5 * S, now + 6 * S, now + 7 * S], now)).toMatchObject({ allowed: false, used: 3 });
  });

  it('maxRestarts 0 never restarts in place', () => {
    expect(restartBudget({ maxRestarts: 0, restartWindowSeconds: 600 }, [], now)).toEqual({
      allowed: false,
      used: 0,
      remaining: 0,
      nextAllowedAtMs: null,
      reason: 'maxRestarts is 0: no restart in place',
    });
  });

  it('pruneRestarts keeps what is inside the window, oldest first', () => {
    expect(pruneRestarts(policy, [now - 10 * S, now - 700 * S, now - 599 * S, now - 600 * S], now)).toEqual([now - 599 * S, now - 10 * S]);
  });
});

describe('nextTarget', () => {
  const placement = (ids: string[], reason: string | null = null): ServicePlacement => ({
    serviceId: 's',
    nodeId: ids[0] ?? null,
    candidates: ids.map((nodeId) => ({ nodeId, member: true, memberPriority: null, reserved: false, load: 0 })),
    rejected: [],
    reason,
  });

  it('the first target is the failover itself', () => {
    expect(nextTarget({ maxRelocations: 3 }, [], placement(['a', 'b']))).toEqual({ kind: 'TRY', nodeId: 'a', targetNumber: 1, relocationsLeft: 3 });
  });

  it('skips tried nodes and counts relocations', () => {
    expect(nextTarget({ maxRelocations: 3 }, ['a'], placement(['a', 'b', 'c']))).toEqual({ kind: 'TRY', nodeId: 'b', targetNumber: 2, relocationsLeft: 2 });
  });

  it('FAILED once 1 + maxRelocations targets were tried', () => {
    expect(nextTarget({ maxRelocations: 1 }, ['a', 'b'], placement(['c']))).toEqual({ kind: 'FAILED', reason: 'relocation budget spent: tried a, b (maxRelocations 1)' });
  });

  it('maxRelocations 0: one target, then FAILED', () => {
    expect(nextTarget({ maxRelocations: 0 }, [], placement(['a', 'b']))).toMatchObject({ kind: 'TRY', nodeId: 'a', relocationsLeft: 0 });
    expect(nextTarget({ maxRelocations: 0 }, ['a'], placement(['b']))).toEqual({ kind: 'FAILED', reason: 'relocation budget spent: tried a (maxRelocations 0)' });
  });

  it('FAILED with the placement\'s reason when no candidate is left', () => {
    expect(nextTarget({ maxRelocations: 3 }, [], placement([], 'no candidate among 2 nodes: 2 not online'))).toEqual({ kind: 'FAILED', reason: 'no candidate among 2 nodes: 2 not online' });
    expect(nextTarget({ maxRelocations: 3 }, ['a'], placement(['a']))).toEqual({ kind: 'FAILED', reason: 'no node left after trying a: every candidate was tried' });
  });
});

describe('retry backoff', () => {
  it('is exponential from the initial delay, capped', () => {
    const p: RetryPolicy = { maxAttempts: 8, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 10_000, jitterRatio: 0 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, p))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffSchedule(p)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('has documented defaults: 3 attempts, 2 s then 4 s, 30 s cap, no jitter', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, initialDelayMs: 2000, multiplier: 2, maxDelayMs: 30_000, jitterRatio: 0 });
    expect(backoffSchedule()).toEqual([2000, 4000]);
  });

  it('one attempt means no retry', () => {
    expect(backoffSchedule({ ...DEFAULT_RETRY_POLICY, maxAttempts: 1 })).toEqual([]);
  });

  it('treats attempt numbers below 1 as 1', () => {
    expect(retryDelayMs(0)).toBe(2000);
    expect(retryDelayMs(-3)).toBe(2000);
  });

  it('jitter is deterministic per key and attempt, and only ever shortens the delay, by at most the ratio', () => {
    const p: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 6, jitterRatio: 0.5 };
    const a = backoffSchedule(p, 'service-a');
    expect(backoffSchedule(p, 'service-a')).toEqual(a);
    const plain = backoffSchedule({ ...p, jitterRatio: 0 });
    a.forEach((d, i) => {
      expect(d).toBeLessThanOrEqual(plain[i] as number);
      expect(d).toBeGreaterThanOrEqual((plain[i] as number) / 2);
    });
    // different keys spread out
    const firsts = new Set(Array.from({ length: 20 }, (_, i) => retryDelayMs(1, p, `svc-${i}`)));
    expect(firsts.size).toBeGreaterThan(15);
    // no key: no jitter
    expect(retryDelayMs(1, p)).toBe(2000);
  });

  describe('retryDecision', () => {
    it('retries on the same target after the backoff while attempts remain', () => {
      expect(retryDecision(1, 10_000)).toEqual({ retry: true, nextAttempt: 2, delayMs: 2000, retryAtMs: 12_000 });
      expect(retryDecision(2, 10_000)).toEqual({ retry: true, nextAttempt: 3, delayMs: 4000, retryAtMs: 14_000 });
    });
    it('gives the target up after maxAttempts', () => {
      expect(retryDecision(3, 10_000)).toEqual({ retry: false, reason: '3 of 3 start attempts failed on this node' });
    });
    it('gives the target up at once for a non-retryable error', () => {
      expect(retryDecision(1, 10_000, false)).toEqual({ retry: false, reason: 'the error is not retryable on this node' });
    });
  });
});
