import { forEachBounded, Semaphore } from './bounded.util';

describe('bounded parallelism', () => {
  it('never runs more than the limit at once, and runs everything', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    const results = await forEachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (i) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      running -= 1;
      done.push(i);
      if (i === 4) throw new Error('four');
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  it('releases its slot when the task throws', async () => {
    const gate = new Semaphore(1);
    await expect(gate.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(gate.inFlight).toBe(0);
    await expect(gate.run(async () => 42)).resolves.toBe(42);
    expect(() => new Semaphore(0)).toThrow();
  });
});
