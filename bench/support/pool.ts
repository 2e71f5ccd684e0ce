/**
 * Runs `fn(0..count-1)` with at most `concurrency` calls in flight and returns the results in
 * index order: how the benchmarks drive many clients at once. (p-map does the same but ships as
 * an ES module only, which the benchmarks' CommonJS runner cannot require.)
 */
export async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}
