import { MAX_DETAIL_LENGTH, parseHeartbeat } from './heartbeat.request';

const valid = () => ({
  sentAt: '2026-01-31T12:00:00.123Z',
  bootTime: '2026-01-30T08:00:00+01:00',
  agentVersion: '0.1.0',
  checks: { storage: { ok: true, detail: 'wrote and synced' }, isolationAddress: { ok: false, address: '192.0.2.1', detail: 'no reply' } },
});

describe('parseHeartbeat', () => {
  it('reads a heartbeat into times in ms and the checks', () => {
    expect(parseHeartbeat(valid())).toEqual({
      report: {
        sentAt: Date.UTC(2026, 0, 31, 12, 0, 0, 123),
        bootTime: Date.UTC(2026, 0, 30, 7, 0, 0),
        agentVersion: '0.1.0',
        checks: { storage: { ok: true, detail: 'wrote and synced' }, isolationAddress: { ok: false, address: '192.0.2.1', detail: 'no reply' } },
      },
    });
  });

  it('takes an absent or null check as "not configured" and ignores unknown fields', () => {
    const parsed = parseHeartbeat({ ...valid(), checks: { storage: null }, futureField: { x: 1 } });
    expect(parsed.report?.checks).toEqual({});
  });

  it('reports every bad field at once, by dotted path', () => {
    const parsed = parseHeartbeat({
      sentAt: 1769860800000,
      bootTime: '2026-13-45',
      agentVersion: '',
      checks: { storage: { ok: 'yes', detail: 7 }, isolationAddress: { ok: true, address: 'x'.repeat(300) } },
    });
    expect(parsed.problems?.map((p) => p.field)).toEqual(['sentAt', 'bootTime', 'agentVersion', 'checks.storage.ok', 'checks.storage.detail', 'checks.isolationAddress.address']);
  });

  it.each([
    ['null', null, '(body)'],
    ['an array', [valid()], '(body)'],
    ['a JSON string', '{"sentAt":1}', '(body)'],
    ['no checks', { ...valid(), checks: undefined }, 'checks'],
    ['a check that is not an object', { ...valid(), checks: { storage: true } }, 'checks.storage'],
    ['a long detail', { ...valid(), checks: { storage: { ok: true, detail: 'x'.repeat(MAX_DETAIL_LENGTH + 1) } } }, 'checks.storage.detail'],
    ['a line break in a detail', { ...valid(), checks: { storage: { ok: true, detail: 'line\nbreak' } } }, 'checks.storage.detail'],
    ['a long agent version', { ...valid(), agentVersion: 'v'.repeat(65) }, 'agentVersion'],
    ['a time without T and zone', { ...valid(), sentAt: '2026-01-31 12:00:00' }, 'sentAt'],
    ['February 30th', { ...valid(), sentAt: '2026-02-30T12:00:00Z' }, 'sentAt'],
  ])('refuses %s (at %s)', (_label, body, field) => {
    const parsed = parseHeartbeat(body);
    expect(parsed.report).toBeUndefined();
    expect(parsed.problems?.map((p) => p.field)).toContain(field);
  });
});
