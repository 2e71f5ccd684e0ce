import { Logger } from '@nestjs/common';
import { DomainError, SystemActor, TenantScope } from '@haaas/domain';
import { AdapterError } from '@haaas/hypervisor';
import type { Store } from '@haaas/persistence';
import { jobOptions, JobContext, JobHandler, JobPayloads } from '@haaas/queue';
import type { ClusterOperations } from './cluster.operations';
import type { IncidentOperations } from './incident.operations';
import type { LiveSignalPublisher } from './live/live-signals';
import type { NodeOperations } from './node.operations';
import { describeFailure, OperationRun, OperationStepError } from './operation-run';
import { isFinalOperationState, OperationKind, OperationState } from './operation.types';
import type { ServiceOperations } from './service.operations';

/** The subject operations act as in the cluster log (who asked is on the operation and its events). */
export const OPERATIONS_ACTOR = SystemActor.Operations;

/** Failures that are the operation's outcome (shown to the user), not a reason to run it again. */
function isOutcome(err: unknown): boolean {
  return err instanceof OperationStepError || err instanceof DomainError || err instanceof AdapterError;
}

/**
 * Runs `operation.run` jobs: the operation's kind decides the steps, each recorded as it goes.
 * A run retried after its worker died resumes from the first step that did not succeed (the
 * executors re-check the world before acting, so repeating a step is safe). An expected failure
 * (a refused precondition, a VM that would not start) ends the operation FAILED at once; anything
 * else is retried with the job's backoff and ends it FAILED on the last attempt.
 */
export class OperationRunHandler implements JobHandler<'operation.run'> {
  readonly job = 'operation.run' as const;
  private readonly logger = new Logger('Operations');
  private readonly maxAttempts = jobOptions('operation.run').attempts ?? 1;

  constructor(
    private readonly store: Store,
    private readonly signals: LiveSignalPublisher,
    private readonly clusters: ClusterOperations,
    private readonly nodes: NodeOperations,
    private readonly services: ServiceOperations,
    private readonly incidents: IncidentOperations,
  ) {}

  async handle(payload: JobPayloads['operation.run'], context: JobContext): Promise<void> {
    const scope = TenantScope.system(payload.tenantId, OPERATIONS_ACTOR);
    const op = await this.store.repos.operations.findById(scope, payload.operationId);
    // gone with its cluster, or already settled (a job queued twice, a late retry)
    if (!op || isFinalOperationState(op.state)) return;
    const run = new OperationRun(this.store, this.signals, scope, op);
    const firstRun = op.attempts === 0;
    await run.mutate(
      (row) => {
        row.state = OperationState.RUNNING;
        row.attempts += 1;
        row.startedAt ??= new Date();
      },
      { type: firstRun ? 'operation.started' : 'operation.resumed', message: firstRun ? `${op.kind} started` : `${op.kind} resumed (attempt ${op.attempts + 1})` },
    );
    let message: string;
    try {
      message = await this.execute(run, context);
    } catch (err) {
      if (!isOutcome(err) && (context.attempt < this.maxAttempts || context.signal.aborted)) {
        this.logger.error(`operation ${op.id} (${op.kind}) attempt ${context.attempt} failed; it will be retried`, err instanceof Error ? err.stack : String(err));
        await run
          .mutate((row) => void (row.error = `attempt ${context.attempt} failed: ${describeFailure(err)}; retrying`), {
            type: 'operation.attempt_failed',
            message: `${op.kind} attempt ${context.attempt} failed: ${describeFailure(err)}; retrying`,
          })
          .catch(() => undefined);
        throw err;
      }
      if (!isOutcome(err)) this.logger.error(`operation ${op.id} (${op.kind}) failed`, err instanceof Error ? err.stack : String(err));
      const why = describeFailure(err);
      await run.mutate(
        (row) => {
          row.state = OperationState.FAILED;
          row.error = why;
          // 100: the operation has ended (progress says how far it is, not how well it went)
          row.progress = 100;
          row.finishedAt = new Date();
        },
        { type: 'operation.failed', message: `${op.kind} failed: ${why}` },
      );
      return;
    }
    await run.mutate(
      (row) => {
        row.state = OperationState.SUCCEEDED;
        row.error = null;
        row.progress = 100;
        row.finishedAt = new Date();
      },
      { type: 'operation.succeeded', message: `${op.kind} succeeded: ${message}` },
    );
  }

  private execute(run: OperationRun, context: JobContext): Promise<string> {
    const signal = context.signal;
    switch (run.operation.kind as OperationKind) {
      case OperationKind.CLUSTER_START:
        return this.clusters.start(run);
      case OperationKind.CLUSTER_STOP:
        return this.clusters.stop(run);
      case OperationKind.CLUSTER_SUSPEND:
        return this.clusters.suspend(run);
      case OperationKind.CLUSTER_RESUME:
        return this.clusters.resume(run);
      case OperationKind.NODE_STARTUP:
        return this.nodes.startup(run, signal);
      case OperationKind.NODE_SHUTDOWN:
        return this.nodes.shutdown(run, signal);
      case OperationKind.NODE_REBOOT:
        return this.nodes.reboot(run, signal);
      case OperationKind.NODE_EVACUATE:
        return this.nodes.evacuate(run, signal);
      case OperationKind.SERVICE_START:
        return this.services.start(run, signal);
      case OperationKind.SERVICE_STOP:
        return this.services.stop(run, signal);
      case OperationKind.SERVICE_RESTART:
        return this.services.restart(run, signal);
      case OperationKind.SERVICE_RELOCATE:
        return this.services.relocate(run, signal);
      case OperationKind.INCIDENT_CONFIRM_FENCED:
        return this.incidents.confirmFenced(run);
      case OperationKind.INCIDENT_RETRY:
        return this.incidents.retry(run);
      case OperationKind.INCIDENT_CANCEL:
        return this.incidents.cancel(run);
      default:
        throw new OperationStepError(`unknown operation kind ${run.operation.kind}`);
    }
  }
}
