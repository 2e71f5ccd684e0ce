import { ServiceRecoveryState } from '@haaas/domain';
import type { RecoveryRow } from './incident.codec';
import { RecentRecoveries } from './recent-recoveries.cache';

const row = (serviceId: string, state = ServiceRecoveryState.PLACING): RecoveryRow => ({
  id: `r-${serviceId}`,
  serviceId,
  state,
  priority: 100,
  targetNodeId: null,
  triedNodeIds: [],
  attempts: 0,
  targetAttempts: 0,
  retryAt: null,
  reason: null,
  startedAt: null,
  recoveredAt: null,
  rtoSeconds: null,
});

describe('RecentRecoveries', () => {
  it('answers only for the exact version it was given', () => {
    const cache = new RecentRecoveries();
    const rows = [row('a'), row('b')];
    cache.put('i1', 7, rows);
    expect(cache.get('i1', 7)).toBe(rows);
    expect(cache.get('i1', 6)).toBeNull();
    expect(cache.get('i1', 8)).toBeNull();
    expect(cache.get('i2', 7)).toBeNull();
  });

  it('never goes back to an older version when commits report out of order', () => {
    const cache = new RecentRecoveries();
    const newer = [row('a', ServiceRecoveryState.RUNNING)];
    cache.put('i1', 9, newer);
    cache.put('i1', 8, [row('a', ServiceRecoveryState.STARTING)]);
    expect(cache.get('i1', 9)).toBe(newer);
    expect(cache.get('i1', 8)).toBeNull();
  });

  it('keeps at most its capacity of incidents, dropping the least recently written', () => {
    const cache = new RecentRecoveries(2);
    cache.put('i1', 1, [row('a')]);
    cache.put('i2', 1, [row('b')]);
    cache.put('i1', 2, [row('a', ServiceRecoveryState.RUNNING)]);
    cache.put('i3', 1, [row('c')]);
    expect(cache.get('i2', 1)).toBeNull();
    expect(cache.get('i1', 2)).not.toBeNull();
    expect(cache.get('i3', 1)).not.toBeNull();
  });
});
