import { Problems } from '@haaas/domain';
import { failbackKey } from './failback.scheduler';
import { checkIdempotencyKey } from './idempotency-key';

describe('failbackKey', () => {
  const service = '01a200d8-1660-7551-bd8e-a67dc4f8c943';
  const node = '01a200d8-157d-72b0-84b3-1d6b323a1252';

  it('is a valid idempotency key for UUID ids, stable for the same ONLINE period', () => {
    const key = failbackKey(service, node, 1_790_000_000_000);
    const p = new Problems();
    checkIdempotencyKey(p, 'idempotencyKey', key);
    expect(() => p.throwIfAny()).not.toThrow();
    expect(failbackKey(service, node, 1_790_000_000_000)).toBe(key);
  });

  it('differs for another target or another ONLINE period of the same target', () => {
    const key = failbackKey(service, node, 1_790_000_000_000);
    expect(failbackKey(service, node, 1_790_000_000_001)).not.toBe(key);
    expect(failbackKey(service, service, 1_790_000_000_000)).not.toBe(key);
  });
});
