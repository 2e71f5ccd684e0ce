import type { JobsOptions } from 'bullmq';

/** Every queue, in one place. */
export const QUEUES = {
  /** Recovery of failed nodes: fencing, then services by priority. */
  recovery: 'haaas.recovery',
  /** Operations requested through the API (cluster start, node evacuate, service relocate, ...). */
  operations: 'haaas.operations',
  /** Outbound webhook deliveries (@haaas/webhooks): one job per delivery row, retried with backoff. */
  webhooks: 'haaas.webhooks',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Every job, with its payload type. Payloads carry ids only: the database holds the state. */
export interface JobPayloads {
  /** Fence the failed node of an incident, then fan out its services. */
  'incident.recover': { readonly tenantId: string; readonly incidentId: string };
  /** Recover one service of an incident: place, check, start; relocate within the budget. */
  'service.recover': { readonly tenantId: string; readonly incidentId: string; readonly serviceId: string };
  /** Run an operation (its kind and parameters are in the operations table). */
  'operation.run': { readonly tenantId: string; readonly operationId: string };
  /** POST one webhook delivery (its body and target are in webhook_deliveries and webhooks). */
  'webhook.deliver': { readonly tenantId: string; readonly deliveryId: string };
}
export type JobName = keyof JobPayloads;

/** The queue of each job. */
export const JOB_QUEUE: { readonly [N in JobName]: QueueName } = {
  'incident.recover': QUEUES.recovery,
  'service.recover': QUEUES.recovery,
  'operation.run': QUEUES.operations,
  'webhook.deliver': QUEUES.webhooks,
};

/**
 * Defaults for every job: retried with exponential backoff (a worker killed mid-job is picked up
 * again when its lock expires), kept a day when done and a week when failed, for the operators.
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Per-job differences from the defaults. */
export const JOB_OPTIONS: { readonly [N in JobName]?: JobsOptions } = {
  // an incident's recovery must not give up while the cluster still needs it: many attempts, capped backoff
  'incident.recover': { attempts: 50, backoff: { type: 'exponential', delay: 2000 } },
  // one job carries a service to RUNNING or FAILED; it is retried (claim held elsewhere, database
  // or hypervisor call failing) rather than abandoned, since the service would stay down
  'service.recover': { attempts: 20, backoff: { type: 'exponential', delay: 1000 } },
  // a receiver that is down: 1 s, 2 s, 4 s … about 17 min over 10 attempts, then FAILED in the log
  'webhook.deliver': { attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
};

export function jobOptions(name: JobName, overrides: JobsOptions = {}): JobsOptions {
  return { ...DEFAULT_JOB_OPTIONS, ...JOB_OPTIONS[name], ...overrides };
}
