import { initialNodeHealth, NodeStatus, ProbeResult } from '@haaas/domain';
import { decodeFailureReport, decodeNodeRecord, encodeFailureReport, encodeNodeRecord, newer, NodeRecord } from './node-record.codec';

const record: NodeRecord = {
  health: { ...initialNodeHealth(1000, NodeStatus.ONLINE), suspect: true, lastHeartbeatAtMs: 900, bootTimeMs: 5, graceUntilMs: null, flapsAtMs: [700, 800] },
  probe: { atMs: 1000, result: ProbeResult.UNREACHABLE, detail: 'gone' },
  address: { atMs: 1000, answers: false, detail: 'silent' },
  episodeSinceMs: 950,
  reportedAtMs: null,
};

describe('node records in Redis', () => {
  it('round-trips', () => {
    expect(decodeNodeRecord(encodeNodeRecord(record))).toEqual(record);
    expect(decodeNodeRecord(encodeNodeRecord({ ...record, probe: null, address: null, episodeSinceMs: null, reportedAtMs: 3 }))).toEqual({ ...record, probe: null, address: null, episodeSinceMs: null, reportedAtMs: 3 });
  });

  it('reads anything malformed as absent, so the node starts again from its database status', () => {
    const bad = (patch: Record<string, unknown>) => decodeNodeRecord(JSON.stringify({ ...record, ...patch }));
    expect(decodeNodeRecord(undefined)).toBeNull();
    expect(decodeNodeRecord('not json')).toBeNull();
    expect(decodeNodeRecord('[]')).toBeNull();
    expect(bad({ health: { ...record.health, status: 'ASLEEP' } })).toBeNull();
    expect(bad({ health: { ...record.health, suspect: 'yes' } })).toBeNull();
    expect(bad({ health: { ...record.health, flapsAtMs: ['x'] } })).toBeNull();
    expect(bad({ health: { ...record.health, lastHeartbeatAtMs: 'soon' } })).toBeNull();
    expect(bad({ probe: { atMs: 1, result: 'MAYBE' } })).toBeNull();
    expect(bad({ address: { atMs: 1, answers: 'no' } })).toBeNull();
    expect(bad({ episodeSinceMs: 'x' })).toBeNull();
  });

  it('reads failure reports, and garbage as none', () => {
    const r = { firstAtMs: 1, lastAtMs: 2, count: 3, sources: ['pacemaker'], reason: 'node lost' };
    expect(decodeFailureReport(encodeFailureReport(r))).toEqual(r);
    // Redis' cjson writes an empty table as {}: no sources, still a report
    expect(decodeFailureReport('{"firstAtMs":1,"lastAtMs":1,"count":1,"sources":{}}')).toEqual({ firstAtMs: 1, lastAtMs: 1, count: 1, sources: [], reason: null });
    expect(decodeFailureReport('{"count":1}')).toBeNull();
    expect(decodeFailureReport('{')).toBeNull();
  });

  it('keeps the answer asked last', () => {
    const a = { atMs: 1 };
    const b = { atMs: 2 };
    expect(newer(a, b)).toBe(b);
    expect(newer(b, a)).toBe(b);
    expect(newer(null, a)).toBe(a);
    expect(newer(a, null)).toBe(a);
  });
});
