import { deadline, PooledAdapter } from '@haaas/hypervisor';
import { KvmAdapter } from './kvm.adapter';
import { type LibvirtHosts, processesMatching, startLibvirtHosts } from './testing';

/**
 * The pooled KVM adapter against real libvirtd test-driver hosts: what recovery gains (one virsh
 * session per host kept between steps instead of one per step) and what it must not lose (a
 * restarted daemon answers through the pool as through a new connection; nothing left running).
 */
let peer: LibvirtHosts;

beforeAll(async () => {
  peer = await startLibvirtHosts({ hosts: ['p1', 'p2'] });
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  if (peer) expect(processesMatching(peer.dir)).toEqual([]);
});

const o = (ms = 10_000): { signal: AbortSignal } => ({ signal: deadline(ms) });

describe('PooledAdapter over KVM', () => {
  it('keeps one virsh session per host between steps, and closes them all', async () => {
    const pool = new PooledAdapter(new KvmAdapter({ transport: 'session' }));
    for (let step = 0; step < 5; step++) {
      const hosts = [pool.connect({ uri: peer.host('p1').uri }), pool.connect({ uri: peer.host('p2').uri })];
      const lists = await Promise.all(hosts.map((h) => h.listVms(o())));
      expect(lists.map((l) => l.map((v) => v.ref))).toEqual([['test'], ['test']]);
      await Promise.all(hosts.map((h) => h.close()));
    }
    expect(pool.stats()).toEqual({ opened: 2, reused: 8, idle: 2 });
    // two sessions, one per host, still running between steps
    expect(processesMatching(peer.dir).filter((p) => /virsh -q -c \S+$/.test(p.cmdline))).toHaveLength(2);
    await pool.close();
    expect(processesMatching(peer.dir).filter((p) => /virsh -q -c \S+$/.test(p.cmdline))).toEqual([]);
  });

  it('answers through a kept session after the host daemon was restarted, as a new connection would', async () => {
    const pool = new PooledAdapter(new KvmAdapter({ transport: 'session' }));
    const uri = peer.host('p1').uri;
    const before = pool.connect({ uri });
    expect((await before.probe(o())).reachable).toBe(true);
    await before.close();
    await peer.restart('p1');
    const after = pool.connect({ uri });
    expect((await after.probe(o())).reachable).toBe(true);
    expect((await after.listVms(o())).map((v) => v.ref)).toEqual(['test']);
    await after.close();
    await pool.close();
    expect(processesMatching(peer.dir).filter((p) => /virsh -q -c \S+$/.test(p.cmdline))).toEqual([]);
  });
});
