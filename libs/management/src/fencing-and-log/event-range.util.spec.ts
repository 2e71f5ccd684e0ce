import { v7 as uuidv7 } from 'uuid';
import { idRangeOf, lowerOf, uuidv7Floor, uuidv7Time } from './event-range.util';

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

  it('makes [from, to] an inclusive range', () => {
    const from = new Date(1000);
    const to = new Date(2000);
    expect(idRangeOf(from, to)).toEqual({ lowest: uuidv7Floor(1000), below: uuidv7Floor(2001) });
    expect(idRangeOf(null, undefined)).toEqual({ lowest: null, below: null });
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
