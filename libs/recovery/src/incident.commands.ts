import { Injectable } from '@nestjs/common';
import { ConflictError, Incident, TenantScope } from '@haaas/domain';
import { IncidentLedger } from './incident.ledger';
import { RecoveryQueue } from './recovery.queue';

/**
 * What an operator (or a transport on their behalf) can do to an incident: confirm that a node
 * whose fencing failed is off, so recovery proceeds; fence it again (its device was fixed);
 * cancel the recovery. Each goes through the incident machine, is logged with who and why
 * (`incident.operator_action`), and queues the incident again so the workers act on it at once.
 */
@Injectable()
export class IncidentCommands {
  constructor(
    private readonly ledger: IncidentLedger,
    private readonly queue: RecoveryQueue,
  ) {}

  /** The operator made sure the node is off (stonith_admin --confirm): recovery proceeds as if fenced. */
  async confirmFenced(scope: TenantScope, incidentId: string, note?: string): Promise<Incident> {
    const t = await this.ledger.apply(scope, incidentId, async () => ({ events: [{ type: 'OPERATOR_CONFIRMED_FENCED', atMs: Date.now(), operator: scope.actor.subject, ...(note ? { note } : {}) }] }));
    if (t.refused.length > 0) throw new ConflictError(t.refused.join('; '), { incidentId });
    await this.redrive(scope, incidentId);
    return t.after;
  }

  /** Fences the node again from its first level (the device was fixed); refused unless the incident waits for a failed fence. */
  async retryFencing(scope: TenantScope, incidentId: string, note?: string): Promise<Incident> {
    const t = await this.ledger.apply(scope, incidentId, async () => ({ events: [{ type: 'RETRY_FENCING', atMs: Date.now(), operator: scope.actor.subject, ...(note ? { note } : {}) }] }));
    if (t.refused.length > 0) throw new ConflictError(t.refused.join('; '), { incidentId });
    await this.redrive(scope, incidentId);
    return t.after;
  }

  /** Stops the recovery: unsettled services are FAILED with the operator's reason. */
  async cancel(scope: TenantScope, incidentId: string, reason: string): Promise<Incident> {
    const t = await this.ledger.apply(scope, incidentId, async () => ({ events: [{ type: 'OPERATOR_CANCELLED', atMs: Date.now(), operator: scope.actor.subject, reason }] }));
    if (t.refused.length > 0) throw new ConflictError(t.refused.join('; '), { incidentId });
    return t.after;
  }

  /**
   * Queues the incident again from its current row version: what the detector's reconciliation
   * (and a test) calls after Redis lost its jobs. Idempotent per version.
   */
  async redrive(scope: TenantScope, incidentId: string): Promise<string> {
    const snap = await this.ledger.read(scope, incidentId);
    return this.queue.enqueueIncident(scope.tenantId, incidentId, snap.row.version);
  }
}
