import { LocalCache } from './local-cache';

describe('LocalCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1000;
  });

  it('loads once for concurrent callers, caches for the TTL, then loads again', async () => {
    const cache = new LocalCache<string>(500, 10, clock);
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)])).toEqual(['v1', 'v1', 'v1']);
    now += 499;
    expect(await cache.get('k', load)).toBe('v1');
    now += 1;
    expect(await cache.get('k', load)).toBe('v2');
  });

  it('caches negative answers (null) like any other value', async () => {
    const cache = new LocalCache<string | null>(500, 10, clock);
    let loads = 0;
    const load = async () => {
      loads++;
      return null;
    };
    await cache.get('k', load);
    await cache.get('k', load);
    expect(loads).toBe(1);
  });

  it('does not keep a value loaded across a delete (a rotation during the load)', async () => {
    const cache = new LocalCache<string>(10_000, 10, clock);
    let release: (v: string) => void = () => undefined;
    const slow = cache.get('k', () => new Promise<string>((r) => (release = r)));
    cache.delete('k');
    release('old');
    expect(await slow).toBe('old');
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });

  it('does not cache failures', async () => {
    const cache = new LocalCache<string>(10_000, 10, clock);
    await expect(cache.get('k', async () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    expect(await cache.get('k', async () => 'ok')).toBe('ok');
  });

  it('stays within its bound, dropping the oldest entries', async () => {
    const cache = new LocalCache<number>(10_000, 3, clock);
    for (let i = 0; i < 5; i++) await cache.get(`k${i}`, async () => i);
    expect(cache.size).toBe(3);
    let reloaded = false;
    await cache.get('k0', async () => {
      reloaded = true;
      return 0;
    });
    expect(reloaded).toBe(true);
  });
});
