import { NodeStatus } from '../enums';
import { domain, node, service } from './engine.fixtures';
import { DEFAULT_FAILBACK_SETTINGS } from './engine.settings';
import { FailbackInput, FailbackNode, shouldFailBack } from './failback.policy';

const S = 1000;
const NOW = 10_000_000 * S;
const stable = NOW - 3600 * S;
const fnode = (id: string, onlineSinceMs: number | null = stable, o: Partial<FailbackNode> = {}): FailbackNode => ({ ...node(id, o), onlineSinceMs });
const d = domain([
  ['pref', 1],
  ['mid', 2],
  ['cur', 3],
]);

function input(o: Partial<FailbackInput> = {}): FailbackInput {
  return {
    service: service('s', { domain: d }),
    currentNodeId: 'cur',
    nodes: [fnode('pref'), fnode('mid'), fnode('cur', stable, { usedCpus: 2, usedMemoryMb: 4096 })],
    nowMs: NOW,
    ...o,
  };
}

describe('shouldFailBack', () => {
  it('defaults to a 300 s stabilisation time', () => {
    expect(DEFAULT_FAILBACK_SETTINGS).toEqual({ stabilisationSeconds: 300 });
  });

  it('moves back to the most preferred member that is ONLINE, stable and can take it', () => {
    expect(shouldFailBack(input())).toEqual({ failBack: true, targetNodeId: 'pref', reason: 'pref (priority 1) is preferred over cur and stable' });
  });

  it('not with nofailback', () => {
    expect(shouldFailBack(input({ service: service('s', { domain: { ...d, nofailback: true } }) }))).toEqual({ failBack: false, reason: 'nofailback is set', recheckAtMs: null });
  });

  it('not for unordered domains, nor without a domain', () => {
    expect(shouldFailBack(input({ service: service('s', { domain: { ...d, ordered: false } }) }))).toMatchObject({ failBack: false, reason: 'unordered domain: every member is as good as another' });
    expect(shouldFailBack(input({ service: service('s') }))).toMatchObject({ failBack: false, reason: 'no failover domain' });
  });

  it('waits for the preferred node to be stable, and says when to ask again', () => {
    const back = NOW - 100 * S;
    expect(shouldFailBack(input({ nodes: [fnode('pref', back), fnode('mid'), fnode('cur')] }))).toEqual({
      failBack: false,
      reason: 'pref (priority 1) is not yet stable: needs 300 s ONLINE',
      recheckAtMs: back + 300 * S,
    });
    // exactly at the end of the stabilisation time it is stable
    expect(shouldFailBack(input({ nodes: [fnode('pref', NOW - 300 * S), fnode('mid'), fnode('cur')] }))).toMatchObject({ failBack: true, targetNodeId: 'pref' });
    expect(shouldFailBack(input({ nodes: [fnode('pref', back), fnode('mid'), fnode('cur')], settings: { stabilisationSeconds: 60 } }))).toMatchObject({ failBack: true });
  });

  it('an unknown ONLINE time is not stable', () => {
    expect(shouldFailBack(input({ nodes: [fnode('pref', null), fnode('mid'), fnode('cur')] }))).toMatchObject({ failBack: false, recheckAtMs: null });
  });

  it('skips a preferred member that cannot take it (down, full, anti-affinity) for the next better one', () => {
    expect(shouldFailBack(input({ nodes: [fnode('pref', stable, { status: NodeStatus.FAILED }), fnode('mid'), fnode('cur')] }))).toMatchObject({ failBack: true, targetNodeId: 'mid' });
    expect(shouldFailBack(input({ nodes: [fnode('pref', stable, { usedCpus: 15 }), fnode('mid'), fnode('cur')] }))).toMatchObject({ failBack: true, targetNodeId: 'mid' });
    const grouped = service('s', { domain: d, antiAffinityGroup: 'db' });
    expect(shouldFailBack(input({ service: grouped, nodes: [fnode('pref', stable, { antiAffinityGroups: ['db'] }), fnode('mid'), fnode('cur', stable, { antiAffinityGroups: ['db'] })] }))).toMatchObject({
      failBack: true,
      targetNodeId: 'mid',
    });
  });

  it('never to a member of equal or worse priority', () => {
    const r = shouldFailBack(input({ nodes: [fnode('pref', stable, { maintenance: true }), fnode('mid', stable, { status: NodeStatus.OFFLINE }), fnode('cur'), fnode('other')] }));
    expect(r).toEqual({ failBack: false, reason: 'no more preferred member can take it (current priority 3)', recheckAtMs: null });
  });

  it('a service running on a non-member goes back to any member of its ordered domain', () => {
    expect(shouldFailBack(input({ currentNodeId: 'outsider', nodes: [fnode('pref', stable, { usedCpus: 15 }), fnode('mid'), fnode('outsider')] }))).toMatchObject({
      failBack: true,
      targetNodeId: 'mid',
    });
    expect(shouldFailBack(input({ currentNodeId: 'outsider', nodes: [fnode('outsider')] }))).toMatchObject({ reason: 'no more preferred member can take it (current priority none: not a member)' });
  });
});
