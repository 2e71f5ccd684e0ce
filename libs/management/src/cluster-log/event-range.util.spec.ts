import { v7 as uuidv7 } from 'uuid';
import { canonicalUuid, CLOCK_SKEW_ALLOWANCE_MS, idRangeOf, lowerOf, uuidPredecessor, uuidv7Floor, uuidv7Time } from './event-range.util';

describe('UUIDv7 time bounds', () => {
  it('puts every id of a millisecond at or above its floor and below the next one', () => {
    const ms = Date.UTC(2026, 10, 21, 23, 30, 0, 123);
    const ids = [0, 1, 2].map(() => uuidv7({ msecs: ms }));
    for (const id of ids) {
      expect(id >= uuidv7Floor(ms)).toBe(true);
      expect(id < uuidv7Floor(ms + 1)).toBe(true);
      expect(id > uuidv7Floor(ms - 1)).toBe(true);
      expect(uuidv7Time(id)?.getTime()).toBe(ms);
    }
  });

  it('orders floors as time', () => {
    expect(uuidv7Floor(1) < uuidv7Floor(2)).toBe(true);
    expect(uuidv7Floor(0xfff) < uuidv7Floor(0x1000)).toBe(true);
    expect(uuidv7Floor(-5)).toBe('00000000-0000-0000-0000-000000000000');
    expect(uuidv7Floor(Number.MAX_SAFE_INTEGER)).toBe('ffffffff-ffff-0000-0000-000000000000');
  });

  it('makes [from, to] an inclusive range, widened by the clock skew allowance', () => {
    const from = new Date(1_000_000);
    const to = new Date(2_000_000);
    expect(idRangeOf(from, to, 0)).toEqual({ lowest: uuidv7Floor(1_000_000), below: uuidv7Floor(2_000_001) });
    expect(idRangeOf(from, to)).toEqual({ lowest: uuidv7Floor(1_000_000 - CLOCK_SKEW_ALLOWANCE_MS), below: uuidv7Floor(2_000_001 + CLOCK_SKEW_ALLOWANCE_MS) });
    expect(idRangeOf(null, undefined)).toEqual({ lowest: null, below: null });
    // an id minted on a clock running behind by less than the allowance stays in the id range
    const behind = uuidv7({ msecs: 1_000_000 - CLOCK_SKEW_ALLOWANCE_MS + 1 });
    const ahead = uuidv7({ msecs: 2_000_000 + CLOCK_SKEW_ALLOWANCE_MS });
    const range = idRangeOf(from, to);
    expect(behind >= (range.lowest as string) && ahead < (range.below as string)).toBe(true);
  });

  it('turns an exclusive bound into the inclusive one just below it', () => {
    expect(uuidPredecessor('0190f000-0000-7000-8000-00000000000a')).toBe('0190f000-0000-7000-8000-000000000009');
    expect(uuidPredecessor('0190f000-0001-0000-0000-000000000000')).toBe('0190f000-0000-ffff-ffff-ffffffffffff');
    expect(uuidPredecessor('00000000-0000-0000-0000-000000000000')).toBeNull();
    // nothing canonical sorts strictly between a bound and its predecessor
    const ids = Array.from({ length: 50 }, () => uuidv7());
    for (const id of ids) {
      const pred = uuidPredecessor(id) as string;
      expect(pred < id).toBe(true);
      for (const other of ids) expect(other < id).toBe(other <= pred);
    }
  });

  it('accepts a UUID in any case as the canonical id, and nothing else', () => {
    expect(canonicalUuid('0190F000-0000-7000-8000-00000000000A')).toBe('0190f000-0000-7000-8000-00000000000a');
    expect(canonicalUuid('0190f000-0000-7000-8000-00000000000a ')).toBeNull();
    expect(canonicalUuid("' OR 1=1")).toBeNull();
    expect(canonicalUuid('0190f0000000700080000000000000000a')).toBeNull();
  });

  it('is not fooled by non-v7 ids', () => {
    expect(uuidv7Time('8d3c1a4e-2b7f-4c1e-9a0b-1c2d3e4f5a6b')).toBeNull();
  });

  it('takes the tighter upper bound, case-insensitively', () => {
    expect(lowerOf(null, null)).toBeNull();
    expect(lowerOf('b', null)).toBe('b');
    expect(lowerOf(null, 'a')).toBe('a');
    expect(lowerOf('B', 'c')).toBe('b');
    expect(lowerOf('d', 'c')).toBe('c');
  });
});
