import { Problems } from './errors';
import { RecoveryAction } from './enums';
import { checkIntRange, isName } from './validation';
import { stripUndefined } from './cluster-policy';

/** The HA policy of a service (resource group). Times in seconds. */
export interface ServicePolicy {
  readonly failoverDomainId: string | null;
  /** 1-1000; higher recovers first. */
  readonly priority: number;
  readonly recoveryAction: RecoveryAction;
  readonly startTimeoutSeconds: number;
  readonly stopTimeoutSeconds: number;
  /** Restarts allowed on the same node within `restartWindowSeconds` before relocating. */
  readonly maxRestarts: number;
  readonly restartWindowSeconds: number;
  /** Relocations (to other nodes) tried per incident before the service is FAILED. */
  readonly maxRelocations: number;
  readonly autostart: boolean;
  /** Services sharing a group avoid running on the same node. */
  readonly antiAffinityGroup: string | null;
  /** Target time from failure to running again; failovers are measured against it. */
  readonly recoveryTimeObjectiveSeconds: number | null;
}

export const DEFAULT_SERVICE_POLICY: ServicePolicy = {
  failoverDomainId: null,
  priority: 500,
  recoveryAction: RecoveryAction.RELOCATE,
  startTimeoutSeconds: 120,
  stopTimeoutSeconds: 120,
  maxRestarts: 3,
  restartWindowSeconds: 600,
  maxRelocations: 3,
  autostart: true,
  antiAffinityGroup: null,
  recoveryTimeObjectiveSeconds: null,
};

export function resolveServicePolicy(
  input: Partial<ServicePolicy> | undefined,
  base: ServicePolicy = DEFAULT_SERVICE_POLICY,
  field = 'policy',
): ServicePolicy {
  const merged: ServicePolicy = { ...base, ...stripUndefined(input ?? {}) };
  const p = new Problems();
  checkIntRange(p, `${field}.priority`, merged.priority, 1, 1000);
  checkIntRange(p, `${field}.startTimeoutSeconds`, merged.startTimeoutSeconds, 1, 86400);
  checkIntRange(p, `${field}.stopTimeoutSeconds`, merged.stopTimeoutSeconds, 1, 86400);
  checkIntRange(p, `${field}.maxRestarts`, merged.maxRestarts, 0, 100);
  checkIntRange(p, `${field}.restartWindowSeconds`, merged.restartWindowSeconds, 1, 7 * 86400);
  checkIntRange(p, `${field}.maxRelocations`, merged.maxRelocations, 0, 100);
  if (merged.recoveryTimeObjectiveSeconds !== null) {
    checkIntRange(p, `${field}.recoveryTimeObjectiveSeconds`, merged.recoveryTimeObjectiveSeconds, 1, 86400);
  }
  if (merged.antiAffinityGroup !== null) {
    p.check(isName(merged.antiAffinityGroup), `${field}.antiAffinityGroup`, 'must be a name (1-63 letters, digits, "_", ".", "-")');
  }
  p.check(typeof merged.autostart === 'boolean', `${field}.autostart`, 'must be true or false');
  p.check(Object.values(RecoveryAction).includes(merged.recoveryAction), `${field}.recoveryAction`, 'unknown recovery action');
  p.throwIfAny();
  return merged;
}
