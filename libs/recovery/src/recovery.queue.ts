import { Inject, Injectable } from '@nestjs/common';
import { Incident } from '@haaas/domain';
import { JobProducer, QUEUES, queuePriority } from '@haaas/queue';
import { isInFlight } from './incident.ledger';

export const RECOVERY_PRODUCER = Symbol('RECOVERY_PRODUCER');

/**
 * Job ids of recovery (BullMQ keeps one job per id, and a finished job keeps its id for a day):
 * - `incident.recover`: `<incidentId>` when the incident is opened (the detector, a notification);
 *   `<incidentId>.r<version>` to drive it again from the row's version `version` (after an
 *   operator confirmed the fence, after Redis lost its jobs): the same state is driven once.
 * - `service.recover`: `<incidentId>.<serviceId>`, enqueued when the incident admits the service;
 *   that one job carries it to RUNNING or FAILED (retries and relocations included).
 */
export function incidentJobId(incidentId: string, version?: number): string {
  return version === undefined ? incidentId : `${incidentId}.r${version}`;
}

export function serviceJobId(incidentId: string, serviceId: string): string {
  return `${incidentId}.${serviceId}`;
}

/** Enqueues recovery jobs under their idempotent ids. */
@Injectable()
export class RecoveryQueue {
  constructor(@Inject(RECOVERY_PRODUCER) private readonly producer: JobProducer) {}

  /** Drives the incident: `version` given, a re-drive of that row version; else the first run. */
  enqueueIncident(tenantId: string, incidentId: string, version?: number): Promise<string> {
    return this.producer.enqueue('incident.recover', { tenantId, incidentId }, { jobId: incidentJobId(incidentId, version) });
  }

  /** Drives the incident again in `delayMs` (a failed fence tried again): one delayed job per row version. */
  enqueueFenceRetry(tenantId: string, incidentId: string, version: number, delayMs: number): Promise<string> {
    return this.producer.enqueue('incident.recover', { tenantId, incidentId }, { jobId: `${incidentId}.f${version}`, delayMs: Math.max(1, Math.ceil(delayMs)) });
  }

  /**
   * One `service.recover` job per service the incident has admitted and not settled, highest
   * priority first in the queue. Idempotent: a service whose job is waiting or running is not
   * queued again. A job that finished while its service is still in flight (it ran out of
   * attempts, e.g. through a long database outage) is put back in the queue with fresh attempts:
   * the rows say the service still needs it.
   */
  async enqueueServices(tenantId: string, incident: Incident): Promise<number> {
    const due = incident.services.filter(isInFlight);
    const queue = this.producer.queue(QUEUES.recovery);
    await Promise.all(
      due.map(async (s) => {
        const jobId = serviceJobId(incident.id, s.serviceId);
        const existing = await queue.getJob(jobId);
        if (existing) {
          const finished = (await existing.isFailed()) ? 'failed' : (await existing.isCompleted()) ? 'completed' : null;
          // another dispatcher may have revived it a moment ago: then it is no longer finished
          if (finished) await existing.retry(finished, { resetAttemptsMade: true }).catch(() => undefined);
          return;
        }
        await this.producer.enqueue('service.recover', { tenantId, incidentId: incident.id, serviceId: s.serviceId }, { jobId, priority: queuePriority(s.priority) });
      }),
    );
    return due.length;
  }
}
