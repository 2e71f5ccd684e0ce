import { AdapterError } from './adapter.errors';
import type { HypervisorAdapter, HypervisorEndpoint, HypervisorHost } from './hypervisor.port';
import { closeAdapterPools, PooledAdapter, pooledAdapters } from './pooled.adapter';

/** A scripted host: counts its calls, fails as told, knows whether it was closed. */
class ScriptedHost {
  calls = 0;
  closed = false;
  failNext: AdapterError | null = null;
  constructor(readonly id: number) {}
  asHost(): HypervisorHost {
    const call = async <T>(value: T): Promise<T> => {
      this.calls += 1;
      if (this.closed) throw new Error(`host ${this.id} used after close`);
      const f = this.failNext;
      this.failNext = null;
      if (f) throw f;
      return value;
    };
    return {
      capabilities: { migrate: false, hostPower: false, register: true },
      probe: () => call({ reachable: true, connectionState: 'CONNECTED', maintenance: false, latencyMs: 0, details: { host: String(this.id) } }),
      listVms: () => call([]),
      getVm: (ref) => call({ ref, name: ref, powerState: 'RUNNING' }),
      startVm: () => call(undefined),
      stopVm: () => call(undefined),
      rebootVm: () => call(undefined),
      exportVm: (ref) => call({ ref, format: 'libvirt-xml', data: '<domain/>' }),
      registerVm: (d) => call({ ref: d.ref, name: d.ref, powerState: 'STOPPED' }),
      migrateVm: () => call(undefined),
      hostPower: () => call('on'),
      close: async () => {
        this.closed = true;
      },
    } as HypervisorHost;
  }
}

class ScriptedAdapter implements HypervisorAdapter {
  readonly hypervisor = 'KVM' as HypervisorAdapter['hypervisor'];
  readonly hosts: ScriptedHost[] = [];
  readonly endpoints: HypervisorEndpoint[] = [];
  connect(endpoint: HypervisorEndpoint): HypervisorHost {
    const h = new ScriptedHost(this.hosts.length + 1);
    this.hosts.push(h);
    this.endpoints.push(endpoint);
    return h.asHost();
  }
}

const signal = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(1_000) });
const A: HypervisorEndpoint = { uri: 'test:///a', username: 'u', password: 'p1' };
const hostId = async (h: HypervisorHost): Promise<string | undefined> => (await h.probe(signal())).details['host'];

describe('PooledAdapter', () => {
  it('lends a returned connection to the next caller of the same endpoint, and only of the same one', async () => {
    const inner = new ScriptedAdapter();
    const pool = new PooledAdapter(inner);
    const first = pool.connect(A);
    expect(await hostId(first)).toBe('1');
    await first.close();
    const again = pool.connect(A);
    expect(await hostId(again)).toBe('1');
    await again.close();
    // another password is another identity: never the same connection
    const other = pool.connect({ ...A, password: 'p2' });
    expect(await hostId(other)).toBe('2');
    await other.close();
    expect(pool.stats()).toEqual({ opened: 2, reused: 1, idle: 2 });
    expect(inner.hosts.map((h) => h.closed)).toEqual([false, false]);
    await pool.close();
    expect(inner.hosts.map((h) => h.closed)).toEqual([true, true]);
  });

  it('gives each lease its own connection while it is out', async () => {
    const inner = new ScriptedAdapter();
    const pool = new PooledAdapter(inner);
    const [a, b] = [pool.connect(A), pool.connect(A)];
    expect(await hostId(a)).toBe('1');
    expect(await hostId(b)).toBe('2');
    await Promise.all([a.close(), b.close()]);
    expect(pool.stats().idle).toBe(2);
    await expect(a.listVms(signal())).rejects.toThrow('closed');
    await pool.close();
  });

  it('does not keep a connection whose call failed as unreachable, and keeps one that saw an ordinary error', async () => {
    const inner = new ScriptedAdapter();
    const pool = new PooledAdapter(inner);
    const a = pool.connect(A);
    (inner.hosts[0] as ScriptedHost).failNext = new AdapterError('NOT_FOUND', 'no such VM', 'getVm');
    await expect(a.getVm('x', signal())).rejects.toMatchObject({ kind: 'NOT_FOUND' });
    await a.close();
    expect(pool.stats().idle).toBe(1);
    const b = pool.connect(A);
    await hostId(b); // a healthy first call
    (inner.hosts[0] as ScriptedHost).failNext = new AdapterError('UNREACHABLE', 'connection reset', 'startVm');
    await expect(b.startVm('x', signal())).rejects.toMatchObject({ kind: 'UNREACHABLE' });
    await b.close();
    expect(pool.stats().idle).toBe(0);
    expect(inner.hosts[0]?.closed).toBe(true);
  });

  it('retries the first call of a kept connection once on a fresh one when the kept one has gone stale', async () => {
    const inner = new ScriptedAdapter();
    const pool = new PooledAdapter(inner);
    await pool.connect(A).close();
    const lease = pool.connect(A);
    (inner.hosts[0] as ScriptedHost).failNext = new AdapterError('UNREACHABLE', 'daemon restarted', 'listVms');
    await expect(lease.listVms(signal())).resolves.toEqual([]);
    expect(inner.hosts).toHaveLength(2);
    expect(inner.hosts[0]?.closed).toBe(true);
    expect(inner.hosts[1]?.calls).toBe(1);
    await lease.close();
    // a fresh connection failing the same way is the host's answer: no second retry
    const fresh = pool.connect({ ...A, uri: 'test:///b' });
    (inner.hosts[2] as ScriptedHost).failNext = new AdapterError('UNREACHABLE', 'down', 'listVms');
    await expect(fresh.listVms(signal())).rejects.toMatchObject({ kind: 'UNREACHABLE' });
    expect(inner.hosts).toHaveLength(3);
    await fresh.close();
    await pool.close();
  });

  it('closes idle connections after the idle time, and keeps no more than the cap per endpoint', async () => {
    const inner = new ScriptedAdapter();
    const pool = new PooledAdapter(inner, { idleMs: 300, maxIdlePerEndpoint: 1 });
    const [a, b] = [pool.connect(A), pool.connect(A)];
    await a.close();
    await b.close();
    expect(inner.hosts.map((h) => h.closed)).toEqual([false, true]);
    await new Promise((r) => setTimeout(r, 800));
    expect(inner.hosts[0]?.closed).toBe(true);
    expect(pool.stats().idle).toBe(0);
    await pool.close();
  });

  it('wraps a map of adapters once, and closes every pool of it', async () => {
    const inner = new ScriptedAdapter();
    const map = pooledAdapters(new Map([['KVM', inner as HypervisorAdapter]]));
    expect(pooledAdapters(map).get('KVM')).toBe(map.get('KVM'));
    const lease = map.get('KVM')?.connect(A);
    await lease?.close();
    await closeAdapterPools(map);
    expect(inner.hosts[0]?.closed).toBe(true);
    // after close, returned connections are closed rather than kept
    const late = map.get('KVM')?.connect(A);
    await late?.close();
    expect(inner.hosts[1]?.closed).toBe(true);
  });
});
