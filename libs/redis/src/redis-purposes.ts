import type { RedisOptions } from 'ioredis';

/**
 * What a process uses Redis for, one connection each: the options differ by purpose (a heartbeat
 * fails in 2 s, a BullMQ connection must never give up on a command), and a named connection shows
 * in CLIENT LIST as `haaas-<purpose>`.
 */
export const REDIS_PURPOSES = {
  /** Operations' commands, BullMQ producer of `operation.run`, live signals, the dry run's reads: a request fails after a few tries instead of hanging. */
  operations: { maxRetriesPerRequest: 3 },
  /** The subscriber of the live feeds (a subscribed connection takes no other command). */
  live: {},
  /** Auto-pipelining batches the concurrent heartbeats of one event-loop turn; a slow Redis fails a heartbeat in 2 s rather than queueing it. */
  heartbeats: { enableAutoPipelining: true, maxRetriesPerRequest: 1, commandTimeout: 2000 },
  /** Node agents' actions (lazy: nothing connects before the first action); an action must fail in time. */
  'node-actions': { lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: 5000 },
  /** The detector's loop: a slow Redis must cost a tick, not hang it. */
  detector: { maxRetriesPerRequest: 1, commandTimeout: 3000 },
  /** External monitors' failure reports (the API). */
  'failure-reports': { maxRetriesPerRequest: 1, commandTimeout: 3000 },
  /** Rate limits: a request passes when Redis does not answer, so no offline queue. */
  'rate-limit': { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false },
  /** The health endpoint's PING. */
  health: { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false },
  /** BullMQ (workers and producers of recovery, operations and webhooks) blocks on Redis: it must wait for it to come back. */
  recovery: { maxRetriesPerRequest: null },
  'operations-worker': { maxRetriesPerRequest: null },
  'webhooks-worker': { maxRetriesPerRequest: null },
  'webhooks-producer': { maxRetriesPerRequest: null },
  /** The worker's metrics: queue counts and QueueEvents (BullMQ) when scraped. */
  metrics: { maxRetriesPerRequest: null },
} as const satisfies Record<string, RedisOptions>;

export type RedisPurpose = keyof typeof REDIS_PURPOSES;

/** The client name a purpose's connection gives Redis (CLIENT SETNAME). */
export function connectionNameOf(purpose: RedisPurpose, prefix = 'haaas'): string {
  return `${prefix}-${purpose}`;
}
