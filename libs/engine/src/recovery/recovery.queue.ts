import { Inject, Injectable } from '@nestjs/common';
import { Incident } from '@haaas/domain';
import { JobProducer, queuePriority } from '@haaas/queue';
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

  /**
   * One `service.recover` job per service the incident has admitted and not settled, highest
   * priority first in the queue. Idempotent: a service already queued or running is not queued again.
   */
  async enqueueServices(tenantId: string, incident: Incident): Promise<number> {
    const due = incident.services.filter(isInFlight);
    await Promise.all(
      due.map((s) =>
        this.producer.enqueue(
          'service.recover',
          { tenantId, incidentId: incident.id, serviceId: s.serviceId },
          { jobId: serviceJobId(incident.id, s.serviceId), priority: queuePriority(s.priority) },
        ),
      ),
    );
    return due.length;
  }
}
