import type { JobProducer } from '@haaas/queue';
import { IncidentCommands, IncidentLedger, RecoveryQueue } from '@haaas/recovery';
import { resolveRecoveryOptions, ServiceClaims, ServiceRunner, type NodeLiveness } from '@haaas/engine-runtime';
import type { NodeResourceDriver } from '@haaas/node-actions';
import { createOperationRunHandler, type OperationRunDeps } from '../operation-run.factory';
import type { OperationRunHandler } from '../operation-run.handler';

export interface LabRunHandlerDeps extends Omit<OperationRunDeps, 'runner' | 'claimWaitMs' | 'incidents'> {
  readonly nodeResources: NodeResourceDriver;
  readonly claimWaitMs?: number;
  /** The lab's recovery module's commands; else built on `producer` and `liveness` when both are given. */
  readonly incidents?: IncidentCommands;
  readonly producer?: JobProducer;
  readonly liveness?: NodeLiveness;
}

/**
 * The `operation.run` handler for labs without a RecoveryModule of their own: a ServiceRunner and
 * ServiceClaims built here (with the recovery defaults), as the worker's RecoveryModule would.
 */
export function labOperationRunHandler(d: LabRunHandlerDeps): OperationRunHandler {
  const options = resolveRecoveryOptions({ claimWaitMs: d.claimWaitMs ?? 60_000 });
  const claims = new ServiceClaims(d.store, { ttlMs: options.claimTtlMs, renewEveryMs: options.claimRenewMs });
  const runner = new ServiceRunner(d.store, claims, d.nodes, d.adapters, options, d.nodeResources);
  const incidents = d.incidents ?? (d.producer && d.liveness ? new IncidentCommands(new IncidentLedger(d.store, options, d.liveness), new RecoveryQueue(d.producer)) : null);
  return createOperationRunHandler({ ...d, runner, claimWaitMs: options.claimWaitMs, incidents });
}
