/** Seals webhook secrets for storage (the SecretBox of @haaas/secrets, bound to tenant and webhook). */
export interface WebhookSecretSealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}
export const WEBHOOK_SEALER = Symbol('WEBHOOK_SEALER');
export const WEBHOOK_OPTIONS = Symbol('WEBHOOK_OPTIONS');

/** The queue's Redis is the process's `webhooks-producer` and `webhooks-worker` connections (@haaas/redis). */
export interface WebhooksOptions {
  readonly sealer: WebhookSecretSealer;
  /** Run the delivery workers in this process (the worker: yes; the API: no, it only queues). */
  readonly runWorkers: boolean;
  /** First retry delay; doubles with each attempt (default 1000 ms). */
  readonly retryDelayMs?: number;
  /** Attempts before a delivery is FAILED (default 10). */
  readonly attempts?: number;
  /** Deadline of one POST (default 10 s). */
  readonly timeoutMs?: number;
  /** Let URLs reach loopback, private and link-local addresses (default false: refused when saved and before each POST). */
  readonly allowPrivateAddresses?: boolean;
  /** How often the sweeper queues PENDING deliveries left without a job (default 30 s; 0: never). */
  readonly sweepIntervalMs?: number;
  /** How old a PENDING delivery must be for the sweeper to queue it again (default 60 s). */
  readonly strandedAfterMs?: number;
}

export function webhookSecretContext(tenantId: string, webhookId: string): string {
  return `webhook:${tenantId}:${webhookId}`;
}
