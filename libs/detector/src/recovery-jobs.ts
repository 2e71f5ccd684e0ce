import type { IncidentEntity } from '@haaas/persistence';
import { JobProducer, QUEUES } from '@haaas/queue';
import { DetectorStore, detectorScope } from './detector.store';
import type { DetectorLogger } from './detector.types';

/** The detector's side of the recovery queue: each incident's job, and the jobs Redis lost. */
export class RecoveryJobs {
  constructor(
    private readonly producer: JobProducer,
    private readonly db: DetectorStore,
    private readonly log: DetectorLogger,
  ) {}

  /** The incident's first job; `again`: a job of its current row version (an open incident whose node failed again). */
  async enqueue(tenantId: string, incident: IncidentEntity, again = false): Promise<void> {
    try {
      await this.producer.enqueue('incident.recover', { tenantId, incidentId: incident.id }, { jobId: again ? `${incident.id}.r${incident.version}` : incident.id });
    } catch (err) {
      // the incident is in MySQL: reconciliation enqueues it again within a few ticks
      this.log.warn(`enqueue incident.recover ${incident.id}: ${err instanceof Error ? err.message : String(err)}; reconciliation will retry`);
    }
  }

  /**
   * Gives every open incident its recovery job back when Redis lost it (restart, failover, FLUSHALL):
   * the job id is the incident id, so this never makes a second job for one incident.
   */
  async reconcile(tenantIds: readonly string[]): Promise<number> {
    const queue = this.producer.queue(QUEUES.recovery);
    let requeued = 0;
    for (const tenantId of tenantIds) {
      const open = await this.db.openIncidents(detectorScope(tenantId));
      for (const incident of open) {
        if (await queue.getJob(incident.id)) continue;
        await this.producer.enqueue('incident.recover', { tenantId, incidentId: incident.id }, { jobId: incident.id });
        requeued += 1;
        this.log.warn(`incident ${incident.id} (${incident.state}) had no recovery job: enqueued again`);
      }
    }
    return requeued;
  }
}
