import { incidentIdempotencyKey } from './incident-key';

describe('incidentIdempotencyKey', () => {
  const c = '0190f5a0-0000-7000-8000-000000000001';
  const n = '0190f5a0-0000-7000-8000-000000000002';

  it('is the same for the same failure and differs for a later one', () => {
    expect(incidentIdempotencyKey(c, n, 1_732_233_600_123)).toBe(`${c}.${n}.1732233600123`);
    expect(incidentIdempotencyKey(c, n, 1_732_233_600_123)).toBe(incidentIdempotencyKey(c, n, 1_732_233_600_123.9));
    expect(incidentIdempotencyKey(c, n, 1_732_233_700_000)).not.toBe(incidentIdempotencyKey(c, n, 1_732_233_600_123));
  });

  it('fits the column (160) and carries no ":" (BullMQ job ids refuse it)', () => {
    const key = incidentIdempotencyKey(c, n, Date.now());
    expect(key.length).toBeLessThanOrEqual(160);
    expect(key).not.toContain(':');
    expect(() => incidentIdempotencyKey(c, n, Number.NaN)).toThrow();
  });
});
