import { RecoveryAction } from '../enums';
import { serviceFailureAction } from './recovery-action.policy';

describe('serviceFailureAction', () => {
  const now = 10_000_000;
  const policy = { maxRestarts: 2, restartWindowSeconds: 60 };
  const healthy = { nodeHealthy: true, recentRestartsMs: [], nowMs: now };

  it('DISABLE is not restarted', () => {
    expect(serviceFailureAction({ ...policy, recoveryAction: RecoveryAction.DISABLE }, healthy)).toEqual({
      action: RecoveryAction.DISABLE,
      reason: 'recovery action DISABLE: the service is not restarted',
      restartBudget: null,
    });
  });

  it('RELOCATE relocates', () => {
    expect(serviceFailureAction({ ...policy, recoveryAction: RecoveryAction.RELOCATE }, healthy).action).toBe(RecoveryAction.RELOCATE);
  });

  it('RESTART restarts in place on a healthy node within the budget', () => {
    const d = serviceFailureAction({ ...policy, recoveryAction: RecoveryAction.RESTART }, { ...healthy, recentRestartsMs: [now - 1000] });
    expect(d.action).toBe(RecoveryAction.RESTART);
    expect(d.reason).toBe('restart in place (1 of 2 restarts used in the last 60 s)');
    expect(d.restartBudget).toMatchObject({ allowed: true, used: 1, remaining: 1 });
  });

  it('RESTART relocates once the budget is spent', () => {
    const d = serviceFailureAction({ ...policy, recoveryAction: RecoveryAction.RESTART }, { ...healthy, recentRestartsMs: [now - 1000, now - 2000] });
    expect(d.action).toBe(RecoveryAction.RELOCATE);
    expect(d.reason).toBe('restart budget spent: 2 restarts in the last 60 s (max 2): relocating');
  });

  it('RESTART on a failed node behaves as RELOCATE, whatever the budget', () => {
    expect(serviceFailureAction({ ...policy, recoveryAction: RecoveryAction.RESTART }, { ...healthy, nodeHealthy: false })).toEqual({
      action: RecoveryAction.RELOCATE,
      reason: 'recovery action RESTART, but its node failed: relocating',
      restartBudget: null,
    });
  });
});
