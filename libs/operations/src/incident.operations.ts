import { ConflictError, IncidentState, TenantScope } from '@haaas/domain';
import type { Store } from '@haaas/persistence';
import type { IncidentCommands } from '@haaas/recovery';
import type { OperationRun } from './operation-run';
import { OperationStepError } from './operation-run';

/**
 * The operator's way out of an incident, as operations: confirm the node is off, fence it again,
 * cancel. One step each, through the recovery engine's IncidentCommands (the incident machine
 * decides, the ledger logs who and why in `incident.operator_action`); the incident then goes on
 * in the recovery workers, so the operation ends once the incident took the action.
 */
export class IncidentOperations {
  constructor(
    private readonly store: Store,
    /** Null in a process without a recovery queue (some tests): incident actions then fail, saying so. */
    private readonly commands: IncidentCommands | null,
  ) {}

  confirmFenced(run: OperationRun): Promise<string> {
    return this.act(run, 'confirm the node is off', (scope, note) => this.need().confirmFenced(scope, run.operation.targetId, note), (s) => `the node is taken as fenced (confirmed by ${run.operation.requestedBy}); the incident is ${s}`);
  }

  retry(run: OperationRun): Promise<string> {
    return this.act(run, 'fence the node again', (scope, note) => this.need().retryFencing(scope, run.operation.targetId, note), (s) => `fencing again from its first level; the incident is ${s}`);
  }

  cancel(run: OperationRun): Promise<string> {
    return this.act(run, 'cancel the recovery', (scope, note) => this.need().cancel(scope, run.operation.targetId, note ?? 'cancelled'), (s) => `the incident is ${s}; its unsettled services are FAILED`);
  }

  private need(): IncidentCommands {
    if (!this.commands) throw new OperationStepError('this worker was started without the recovery queue: incident actions cannot run here');
    return this.commands;
  }

  private async act(run: OperationRun, step: string, command: (scope: TenantScope, note: string | undefined) => Promise<{ readonly state: IncidentState }>, done: (state: IncidentState) => string): Promise<string> {
    const note = typeof run.params['note'] === 'string' ? run.params['note'] : undefined;
    // the incident's log names who asked (the run's own scope is the operations actor)
    const asked = run.scope.isSystem() ? TenantScope.requestedBy(run.scope, run.operation.requestedBy) : run.scope;
    let state: IncidentState = IncidentState.DETECTED;
    await run.plan([step]);
    await run.step(
      step,
      async () => {
        try {
          state = (await command(asked, note)).state;
        } catch (err) {
          // the incident moved on since the request was accepted (another operator, the engine)
          if (err instanceof ConflictError) {
            const row = await this.store.repos.incidents.get(run.scope, run.operation.targetId);
            throw new OperationStepError(`incident is ${row.state}: ${err.message}`);
          }
          throw err;
        }
        return { message: done(state) };
      },
      { nodeId: null },
    );
    return done(state);
  }
}
