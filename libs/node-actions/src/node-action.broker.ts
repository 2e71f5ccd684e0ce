import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { NodeAgentIdentity } from '@haaas/heartbeats';
import type { NodeActionPayload, NodeActionResult } from './node-action.types';

/**
 * Keys of one node share a hash tag (`{tenant/node}`), so each script's keys live in one slot (as
 * the heartbeat keys do per cluster) and the layout works on Redis Cluster too.
 */
function nodeTag(tenantId: string, nodeId: string): string {
  return `haaas:na:{${tenantId}/${nodeId}}`;
}
/** Pending actions of a node (a list; entries `<expiresAtMs>|<id>|<payload JSON>`). */
export function actionQueueKey(tenantId: string, nodeId: string): string {
  return `${nodeTag(tenantId, nodeId)}:q`;
}
/** Actions handed to the agent and not reported yet (hash id → give-up time, ms). */
export function actionsInFlightKey(tenantId: string, nodeId: string): string {
  return `${nodeTag(tenantId, nodeId)}:f`;
}
export function actionResultKey(tenantId: string, nodeId: string, actionId: string): string {
  return `${nodeTag(tenantId, nodeId)}:r:${actionId}`;
}
/** One channel each way for the whole deployment: actions are rare (service starts and stops), agents many. */
export const WAKE_CHANNEL = 'haaas:node-actions:wake';
export const DONE_CHANNEL = 'haaas:node-actions:done';

/** Time after its deadline an action's result may still arrive: the agent's report on its way. */
export const REPORT_GRACE_MS = 5000;
/** How long a result is kept: a second report of the same action is recognised within it. */
const RESULT_TTL_MS = 10 * 60 * 1000;

const NOW_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Redis's clock sets the deadline, so the worker, the API replicas and the agent never compare
// clocks: an action nobody took before it expired is dropped when the agent comes back, never run
// late (its service may have moved on to another node meanwhile).
const ENQUEUE_LUA = `${NOW_LUA}
local expires = now + tonumber(ARGV[2])
redis.call('LPUSH', KEYS[1], expires .. '|' .. ARGV[1] .. '|' .. ARGV[3])
local keep = tonumber(ARGV[2]) + 60000
if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], keep) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return expires`;

const TAKE_LUA = `${NOW_LUA}
local grace = tonumber(ARGV[1])
-- forget in-flight actions whose agent never reported (it crashed with them)
local f = redis.call('HGETALL', KEYS[2])
for i = 1, #f, 2 do
  if tonumber(f[i + 1]) < now then redis.call('HDEL', KEYS[2], f[i]) end
end
while true do
  local e = redis.call('RPOP', KEYS[1])
  if not e then return nil end
  local a = string.find(e, '|', 1, true)
  local b = string.find(e, '|', a + 1, true)
  local expires = tonumber(string.sub(e, 1, a - 1))
  if expires > now then
    local id = string.sub(e, a + 1, b - 1)
    redis.call('HSET', KEYS[2], id, expires + grace)
    redis.call('PEXPIRE', KEYS[2], expires - now + grace + 60000)
    return {string.sub(e, b + 1), expires - now}
  end
end`;

const COMPLETE_LUA = `if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
  return 0
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return 1`;

interface ScriptedRedis extends Redis {
  haaasActionEnqueue(queue: string, id: string, timeoutMs: number, payload: string, channel: string, wake: string): Promise<number>;
  haaasActionTake(queue: string, inFlight: string, graceMs: number): Promise<[string, number] | null>;
  haaasActionComplete(inFlight: string, result: string, id: string, json: string, ttlMs: number, channel: string): Promise<number>;
}

/** What the agent's report did: recorded, a repeat of one already recorded, or for no action of this node. */
export type CompleteOutcome = 'RECORDED' | 'DUPLICATE' | 'UNKNOWN';

/** The end of a dispatch: the agent's result, or why none came. */
export type DispatchOutcome =
  | { readonly result: NodeActionResult; readonly roundTripMs: number }
  | { readonly result: null; readonly pickedUp: boolean; readonly roundTripMs: number };

type Waiter = () => void;

/**
 * Hands resource actions to node agents through Redis, and their results back. Used on both sides:
 * the worker `dispatch`es and waits; an API replica serves an agent's long poll with `take` and
 * records its report with `complete`.
 *
 * - Per node: a list of pending actions, a hash of actions taken and not reported, a key per result.
 * - One pub/sub connection per process, subscribed to two deployment-wide channels, wakes whoever
 *   waits in this process: long polls on WAKE_CHANNEL (message `tenant/node`), dispatches on
 *   DONE_CHANNEL (message: the action id). No Redis connection is held per waiting agent, so an API
 *   replica serves thousands of long polls with two connections. Messages are only a hint: the
 *   state is in the keys, read again after every wake and, by a dispatch, every second (a message
 *   lost while the subscriber reconnects costs at most that second).
 */
export class NodeActionBroker {
  private readonly redis: ScriptedRedis;
  private subscriber: Redis | undefined;
  private subscribed: Promise<unknown> | undefined;
  private readonly polls = new Map<string, Set<Waiter>>();
  private readonly dispatches = new Map<string, Waiter>();
  private closed = false;

  constructor(
    redis: Redis,
    private readonly options: { readonly pollRecheckMs?: number } = {},
  ) {
    redis.defineCommand('haaasActionEnqueue', { numberOfKeys: 1, lua: ENQUEUE_LUA });
    redis.defineCommand('haaasActionTake', { numberOfKeys: 2, lua: TAKE_LUA });
    redis.defineCommand('haaasActionComplete', { numberOfKeys: 2, lua: COMPLETE_LUA });
    this.redis = redis as ScriptedRedis;
  }

  /**
   * Queues the action for the node's agent and waits for its result until `timeoutMs` (plus the
   * report's grace) has passed. The agent must take it within `timeoutMs`, and gets what is left of
   * it as its own deadline. Resolves with `result: null` when no result came (`pickedUp` says
   * whether the agent took the action); rejects only on `signal` or a Redis error.
   */
  async dispatch(node: { readonly tenantId: string; readonly nodeId: string }, action: Omit<NodeActionPayload, 'id' | 'timeoutMs'>, timeoutMs: number, signal?: AbortSignal): Promise<DispatchOutcome> {
    const started = performance.now();
    const id = randomUUID();
    const resultKey = actionResultKey(node.tenantId, node.nodeId, id);
    let wake: Waiter = () => undefined;
    let woken = false;
    // registered before the action is queued, so an answer cannot come before we listen
    this.dispatches.set(id, () => {
      woken = true;
      wake();
    });
    try {
      await this.subscribe();
      const payload = JSON.stringify({ ...action, id });
      const queue = actionQueueKey(node.tenantId, node.nodeId);
      const expires = await this.redis.haaasActionEnqueue(queue, id, Math.max(1, Math.round(timeoutMs)), payload, WAKE_CHANNEL, `${node.tenantId}/${node.nodeId}`);
      const until = started + timeoutMs + REPORT_GRACE_MS;
      const recheckMs = this.options.pollRecheckMs ?? 1000;
      for (;;) {
        const text = await this.redis.get(resultKey);
        if (text !== null) return { result: JSON.parse(text) as NodeActionResult, roundTripMs: Math.round(performance.now() - started) };
        signal?.throwIfAborted();
        const left = until - performance.now();
        if (left <= 0) break;
        if (!woken) await sleepUntilWoken(Math.min(left, recheckMs), signal, (w) => (wake = w));
        woken = false;
      }
      // expired already (the agent would drop it); removed so a silent node's list does not grow
      await this.redis.lrem(queue, 1, `${expires}|${id}|${payload}`);
      const pickedUp = (await this.redis.hexists(actionsInFlightKey(node.tenantId, node.nodeId), id)) === 1;
      return { result: null, pickedUp, roundTripMs: Math.round(performance.now() - started) };
    } finally {
      this.dispatches.delete(id);
    }
  }

  /**
   * The agent's long poll: the node's next pending action, waiting up to `waitMs` for one to be
   * queued. Resolves with null when none came, when `signal` aborts (the agent hung up) or when
   * the broker closes (the API shuts down).
   */
  async take(node: NodeAgentIdentity, waitMs: number, signal?: AbortSignal): Promise<NodeActionPayload | null> {
    const key = `${node.tenantId}/${node.nodeId}`;
    let woken = false;
    let wake: Waiter = () => undefined;
    const waiter: Waiter = () => {
      woken = true;
      wake();
    };
    let set = this.polls.get(key);
    if (!set) this.polls.set(key, (set = new Set()));
    set.add(waiter);
    const until = performance.now() + waitMs;
    try {
      await this.subscribe();
      for (;;) {
        const taken = await this.redis.haaasActionTake(actionQueueKey(node.tenantId, node.nodeId), actionsInFlightKey(node.tenantId, node.nodeId), REPORT_GRACE_MS);
        if (taken) {
          const payload = JSON.parse(taken[0]) as Omit<NodeActionPayload, 'timeoutMs'>;
          return { ...payload, timeoutMs: Number(taken[1]) };
        }
        const left = until - performance.now();
        if (left <= 0 || this.closed || signal?.aborted) return null;
        if (!woken) await sleepUntilWoken(left, signal, (w) => (wake = w)).catch(() => undefined);
        woken = false;
      }
    } finally {
      set.delete(waiter);
      if (set.size === 0 && this.polls.get(key) === set) this.polls.delete(key);
    }
  }

  /** Records the agent's result of an action it took; idempotent (a repeat is DUPLICATE, the first result stands). */
  async complete(node: NodeAgentIdentity, actionId: string, result: NodeActionResult): Promise<CompleteOutcome> {
    const r = await this.redis.haaasActionComplete(
      actionsInFlightKey(node.tenantId, node.nodeId),
      actionResultKey(node.tenantId, node.nodeId, actionId),
      actionId,
      JSON.stringify(result),
      RESULT_TTL_MS,
      DONE_CHANNEL,
    );
    return r === 1 ? 'RECORDED' : r === 2 ? 'DUPLICATE' : 'UNKNOWN';
  }

  /** Ends the long polls waiting here (they answer "nothing") and closes the subscriber. */
  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.polls.values()) for (const w of set) w();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }

  private subscribe(): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    if (!this.subscribed) {
      const sub = this.redis.duplicate({ connectionName: 'haaas-node-actions-sub', maxRetriesPerRequest: null });
      this.subscriber = sub;
      sub.on('message', (channel: string, message: string) => {
        if (channel === WAKE_CHANNEL) for (const w of this.polls.get(message) ?? []) w();
        else if (channel === DONE_CHANNEL) this.dispatches.get(message)?.();
      });
      // a connection that cannot subscribe (yet) only makes waits end on their timers
      sub.on('error', () => undefined);
      this.subscribed = sub.subscribe(WAKE_CHANNEL, DONE_CHANNEL).catch(() => undefined);
    }
    return this.subscribed;
  }
}

/** Waits `ms`, or until the waker registered through `register` is called, or `signal` aborts (rejects). */
function sleepUntilWoken(ms: number, signal: AbortSignal | undefined, register: (wake: Waiter) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      register(() => undefined);
      resolve();
    };
    const aborted = (): void => {
      clearTimeout(timer);
      register(() => undefined);
      reject(signal?.reason);
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', aborted, { once: true });
    register(done);
  });
}
