import { backoffDelay } from './agent';

describe('backoffDelay', () => {
  it('doubles from the interval up to the cap, within the upper half of each ceiling', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, 1000, 10_000, 0.999_999));
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    const floors = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, 1000, 10_000, 0));
    expect(floors).toEqual([500, 1000, 2000, 4000, 5000]);
  });

  it('never waits longer than the interval when the interval is above the cap', () => {
    expect(backoffDelay(8, 30_000, 10_000, 0.999_999)).toBe(30_000);
  });

  it('spreads a fleet: different random draws give different delays', () => {
    const delays = new Set(Array.from({ length: 20 }, (_, i) => backoffDelay(4, 1000, 10_000, i / 20)));
    expect(delays.size).toBe(20);
  });
});
