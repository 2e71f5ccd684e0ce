import { RecoveryAction } from '../enums';
import { ServicePolicy } from '../service-policy';
import { restartBudget, RestartBudget } from './budget.policy';

export interface ServiceFailureDecision {
  /** RESTART: in place, on the same node; RELOCATE: to another node; DISABLE: stop, do not restart. */
  readonly action: RecoveryAction;
  readonly reason: string;
  /** The restart budget, when it was consulted. */
  readonly restartBudget: RestartBudget | null;
}

/**
 * What to do when a service stops or its node fails. RESTART means "on the same node", which is
 * only possible while that node is healthy: for a failed node RESTART behaves as RELOCATE. A
 * RESTART whose budget is spent also relocates (rgmanager's max_restarts, then relocate).
 */
export function serviceFailureAction(
  policy: Pick<ServicePolicy, 'recoveryAction' | 'maxRestarts' | 'restartWindowSeconds'>,
  context: { readonly nodeHealthy: boolean; readonly recentRestartsMs: readonly number[]; readonly nowMs: number },
): ServiceFailureDecision {
  switch (policy.recoveryAction) {
    case RecoveryAction.DISABLE:
      return { action: RecoveryAction.DISABLE, reason: 'recovery action DISABLE: the service is not restarted', restartBudget: null };
    case RecoveryAction.RELOCATE:
      return { action: RecoveryAction.RELOCATE, reason: 'recovery action RELOCATE', restartBudget: null };
    case RecoveryAction.RESTART: {
      if (!context.nodeHealthy) {
        return { action: RecoveryAction.RELOCATE, reason: 'recovery action RESTART, but its node failed: relocating', restartBudget: null };
      }
      const budget = restartBudget(policy, context.recentRestartsMs, context.nowMs);
      return budget.allowed
        ? { action: RecoveryAction.RESTART, reason: `restart in place (${budget.reason})`, restartBudget: budget }
        : { action: RecoveryAction.RELOCATE, reason: `${budget.reason}: relocating`, restartBudget: budget };
    }
  }
}
