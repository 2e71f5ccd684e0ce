import { initialNodeHealth, NodeAction, NodeHealthDecision, NodeStatus, ProbeResult } from '@haaas/domain';
import type { NodeEntity } from '@haaas/persistence';
import { initialRecord, observe, quorumTransition, reasonKind, reportedAfterLastHeartbeat, statusReason } from './node-decisions';
import type { NodeRecord } from './node-record.codec';

const node = (over: Partial<NodeEntity> = {}): NodeEntity => ({ id: 'n1', status: NodeStatus.ONLINE, maintenance: false, checkAddress: null, statusReason: null, ...over }) as NodeEntity;
const record = (over: Partial<NodeRecord> = {}): NodeRecord => ({ ...initialRecord(node(), 0), ...over });

describe('what the detector hands the domain', () => {
  it('starts a node it has no record of from its database status; a declared failure stays declared', () => {
    expect(initialRecord(node({ status: NodeStatus.ONLINE }), 5).health).toMatchObject({ status: NodeStatus.ONLINE, declared: false, statusSinceMs: 5, lastHeartbeatAtMs: null });
    for (const status of [NodeStatus.FAILED, NodeStatus.NETWORK_ISOLATED, NodeStatus.STORAGE_ISOLATED]) {
      expect(initialRecord(node({ status }), 5).health.declared).toBe(true);
    }
    expect(initialRecord(node({ status: NodeStatus.EXCLUDED }), 5).health.declared).toBe(false);
  });

  it("reads the agent's checks: absent means not checked (passing), present and failing means failing", () => {
    const hb = { nodeId: 'n1', seenAt: 900, sentAt: 890, bootTime: 100, agentVersion: 'x', checks: {} };
    expect(observe(1000, node(), hb, record(), null)).toMatchObject({ nowMs: 1000, lastHeartbeatAtMs: 900, checks: { storageWriteOk: true, isolationAddressReachable: true, bootTimeMs: 100 } });
    const failing = { ...hb, checks: { storage: { ok: false }, isolationAddress: { ok: false } } };
    expect(observe(1000, node(), failing, record(), null).checks).toEqual({ storageWriteOk: false, isolationAddressReachable: false, bootTimeMs: 100 });
    expect(observe(1000, node(), undefined, record(), 42)).toMatchObject({ lastHeartbeatAtMs: null, checks: null, fencedAtMs: 42 });
  });

  it('passes the second channel with the time it was asked, and whether the node has a check address', () => {
    const r = record({ probe: { atMs: 950, result: ProbeResult.UNREACHABLE, detail: 'x' }, address: { atMs: 950, answers: false, detail: 'y' } });
    expect(observe(1000, node({ checkAddress: '10.0.0.1', maintenance: true }), undefined, r, null)).toMatchObject({
      maintenance: true,
      probe: { atMs: 950, result: ProbeResult.UNREACHABLE },
      checkAddressConfigured: true,
      checkAddress: { atMs: 950, answers: false },
    });
    expect(observe(1000, node({ checkAddress: '' }), undefined, r, null).checkAddressConfigured).toBe(false);
  });
});

describe('status reasons', () => {
  const decision = (over: Partial<NodeHealthDecision>): NodeHealthDecision => ({
    state: initialNodeHealth(0),
    status: NodeStatus.ONLINE,
    suspect: false,
    action: NodeAction.NONE,
    reason: 'heartbeats on time, checks pass',
    changed: false,
    ...over,
  });
  const r = record({ probe: { atMs: 1, result: ProbeResult.REACHABLE, detail: 'the hypervisor manager reaches the host (CONNECTED)' } });

  it("add the second channel's answer when it decided, not otherwise", () => {
    expect(statusReason(decision({}), r)).toBe('heartbeats on time, checks pass');
    expect(statusReason(decision({ status: NodeStatus.EXCLUDED, reason: 'excluded' }), r)).toBe('excluded (the hypervisor manager reaches the host (CONNECTED))');
    expect(statusReason(decision({ suspect: true, reason: 'no heartbeat' }), r)).toContain('reaches the host');
    expect(statusReason(decision({ suspect: true, reason: 'x'.repeat(600) }), r)).toHaveLength(512);
  });

  it('are rewritten when what they say changes, not when only their figures do', () => {
    expect(reasonKind('no heartbeat for 12 s: suspect')).toBe(reasonKind('no heartbeat for 13 s: suspect'));
    expect(reasonKind('no heartbeat for 12 s: suspect')).not.toBe(reasonKind('no heartbeat for 12 s: excluded'));
    expect(reasonKind(null)).toBe('');
  });
});

describe('quorum transitions', () => {
  it('logs LOST once when a quorate cluster loses quorum, REGAINED once when it returns, nothing for a cluster first seen', () => {
    expect(quorumTransition(null, false)).toEqual({ event: null, next: { quorate: false, lost: false } });
    expect(quorumTransition(null, true)).toEqual({ event: null, next: { quorate: true, lost: false } });
    // agents not reporting yet, then the cluster becomes quorate: nothing was lost, nothing to regain
    expect(quorumTransition({ quorate: false, lost: false }, true)).toEqual({ event: null, next: { quorate: true, lost: false } });
    const lost = quorumTransition({ quorate: true, lost: false }, false);
    expect(lost).toEqual({ event: 'LOST', next: { quorate: false, lost: true } });
    expect(quorumTransition(lost.next, false).event).toBeNull();
    expect(quorumTransition(lost.next, true)).toEqual({ event: 'REGAINED', next: { quorate: true, lost: false } });
    expect(quorumTransition({ quorate: true, lost: false }, true).event).toBeNull();
  });
});

describe('the source of an incident', () => {
  it('is NOTIFICATION when an external report came after the last heartbeat (less one interval)', () => {
    expect(reportedAfterLastHeartbeat(10_500, 10_000, 1000)).toBe(true);
    expect(reportedAfterLastHeartbeat(9_200, 10_000, 1000)).toBe(true);
    expect(reportedAfterLastHeartbeat(8_000, 10_000, 1000)).toBe(false); // contradicted by the heartbeats that followed
    expect(reportedAfterLastHeartbeat(null, 10_000, 1000)).toBe(false);
    expect(reportedAfterLastHeartbeat(10_500, null, 1000)).toBe(false);
  });
});
