import { NodeStatus } from '@haaas/domain';
import { presenceStatus } from './presence.tracker';

describe('presence of nodes while HA is stopped', () => {
  const now = 1_000_000;
  it('is ONLINE while heartbeats arrive within the deadtime, OFFLINE after, MAINTENANCE when flagged', () => {
    expect(presenceStatus({ maintenance: false }, now - 4000, now, 4)).toBe(NodeStatus.ONLINE);
    expect(presenceStatus({ maintenance: false }, now - 4001, now, 4)).toBe(NodeStatus.OFFLINE);
    expect(presenceStatus({ maintenance: false }, undefined, now, 4)).toBe(NodeStatus.OFFLINE);
    expect(presenceStatus({ maintenance: true }, now, now, 4)).toBe(NodeStatus.MAINTENANCE);
  });
});
