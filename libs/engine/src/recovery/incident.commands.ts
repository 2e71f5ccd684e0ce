import { Injectable } from '@nestjs/common';
import { ConflictError, Incident, TenantScope } from '@haaas/domain';
import { IncidentLedger } from './incident.ledger';
import { RecoveryQueue } from './recovery.queue';

/**
 * What an operator (or a transport on their behalf) can do to an incident: confirm that a node
 * whose fencing failed is off, so recovery proceeds; cancel the recovery. Both go through the
 * incident machine, are logged, and queue the incident again so the workers act on it at once.
 */
@Injectable()
export class IncidentCommands {
  constructor(
    private readonly ledger: IncidentLedger,
    private readonly queue: RecoveryQueue,
  ) {}

  /** The operator made sure the node is off (stonith_admin --confirm): recovery proceeds as if fenced. */
  async confirmFenced(scope: TenantScope, incidentId: string): Promise<Incident> {
    const t = await this.ledger.apply(scope, incidentId, async () => ({ events: [{ type: 'OPERATOR_CONFIRMED_FENCED', atMs: Date.now(), operator: scope.actor.subject }] }));
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
