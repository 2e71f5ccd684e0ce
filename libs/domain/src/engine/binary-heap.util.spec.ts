import { BinaryHeap } from './binary-heap.util';

describe('BinaryHeap', () => {
  it('pops in comparator order', () => {
    const h = new BinaryHeap<number>((a, b) => a - b);
    for (const n of [5, 3, 9, 1, 7, 3, 0, 8]) h.push(n);
    expect(h.size).toBe(8);
    expect(h.peek()).toBe(0);
    const out: number[] = [];
    for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x);
    expect(out).toEqual([0, 1, 3, 3, 5, 7, 8, 9]);
    expect(h.size).toBe(0);
    expect(h.pop()).toBeUndefined();
    expect(h.peek()).toBeUndefined();
  });

  it('agrees with a sort on interleaved pushes and pops', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const h = new BinaryHeap<number>((a, b) => a - b);
    const mirror: number[] = [];
    for (let i = 0; i < 2000; i++) {
      if (next() % 3 === 0 && mirror.length > 0) {
        mirror.sort((a, b) => a - b);
        expect(h.pop()).toBe(mirror.shift());
      } else {
        const v = next() % 100;
        h.push(v);
        mirror.push(v);
      }
    }
    expect(h.size).toBe(mirror.length);
  });
});
