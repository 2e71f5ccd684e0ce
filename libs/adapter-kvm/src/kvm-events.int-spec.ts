import { deadline, isAdapterError } from '@haaas/hypervisor';
import { KvmAdapter } from './kvm.adapter';
import type { KvmHost } from './kvm.host';
import type { KvmDomainEvent } from './virsh.parse';
import { type LibvirtHosts, processesMatching, startLibvirtHosts, testDomainXml } from './testing';

/** The lifecycle event stream the failover engine listens to, against real libvirtd daemons. */
let peer: LibvirtHosts;
let host: KvmHost;

beforeAll(async () => {
  peer = await startLibvirtHosts({ hosts: ['ev', 'evcrash'] });
  host = new KvmAdapter().connect({ uri: peer.host('ev').uri });
}, 60_000);

afterAll(async () => {
  await host?.close();
  await peer?.stop();
  if (peer) expect(processesMatching(peer.dir)).toEqual([]);
});

const o = (ms = 10_000): { signal: AbortSignal } => ({ signal: deadline(ms) });

/** Resolves once `events` holds an event matching `pred`, or fails after `ms`. */
async function until(events: KvmDomainEvent[], pred: (e: KvmDomainEvent) => boolean, ms = 3_000): Promise<KvmDomainEvent> {
  const stop = Date.now() + ms;
  for (;;) {
    const found = events.find(pred);
    if (found) return found;
    if (Date.now() > stop) throw new Error(`no such event within ${ms} ms; got ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('watchEvents', () => {
  it('streams Defined, Started, Suspended, Resumed, Stopped events in order, with libvirt timestamps', async () => {
    const events: KvmDomainEvent[] = [];
    const watch = host.watchEvents({}, (e) => events.push(e));
    await watch.ready;
    const name = 'watched';
    const before = Date.now();
    await host.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: 'cccccccc-0000-4000-8000-000000000001' }) }, o());
    await host.startVm(name, o());
    expect((await peer.virsh('ev', ['suspend', name])).code).toBe(0);
    await host.startVm(name, o()); // resumes
    await host.stopVm(name, { ...o(), gracefulTimeoutMs: 0 });
    await until(events, (e) => e.vm === name && e.event === 'Stopped');
    const mine = events.filter((e) => e.vm === name).map((e) => `${e.event} ${e.detail}`);
    expect(mine).toEqual(['Defined Added', 'Started Booted', 'Suspended Paused', 'Resumed Unpaused', 'Stopped Destroyed']);
    for (const e of events) {
      expect(e.at.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(e.at.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    }
    expect(await watch.stop()).toEqual({ reason: 'stopped' });
    const count = events.length;
    await host.startVm(name, o());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.length).toBe(count); // nothing after stop
    await host.stopVm(name, { ...o(), gracefulTimeoutMs: 0 });
  });

  // (the test driver's reboot emits no event at all: the reboot line is covered by the parser's unit test only)
  it('reports a graceful shutdown as such', async () => {
    const events: KvmDomainEvent[] = [];
    const watch = host.watchEvents({}, (e) => events.push(e));
    await watch.ready;
    await host.stopVm('test', { ...o(), gracefulTimeoutMs: 5_000 });
    expect(await until(events, (e) => e.vm === 'test' && e.event === 'Stopped')).toMatchObject({ detail: 'Shutdown' });
    await host.startVm('test', o());
    await until(events, (e) => e.vm === 'test' && e.event === 'Started');
    await watch.stop();
  });

  it('is ready in well under a second, and stops with its signal', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const watch = host.watchEvents({ signal: controller.signal }, () => undefined);
    await watch.ready;
    expect(performance.now() - started).toBeLessThan(1_000); // the registration log, not the 2 s fallback
    controller.abort();
    expect(await watch.ended).toEqual({ reason: 'stopped' });
  });

  it('ends as lost (UNREACHABLE) within a moment when the host crashes', async () => {
    const crashing = new KvmAdapter().connect({ uri: peer.host('evcrash').uri });
    try {
      const watch = crashing.watchEvents({}, () => undefined);
      await watch.ready;
      const started = performance.now();
      await peer.kill('evcrash');
      const end = await watch.ended;
      expect(end.reason).toBe('lost');
      if (end.reason === 'lost') expect(end.error.kind).toBe('UNREACHABLE');
      expect(performance.now() - started).toBeLessThan(1_000);

      // watching a host that is down fails at once, through `ready`
      const again = crashing.watchEvents({}, () => undefined);
      let readyError: unknown;
      await again.ready.catch((error: unknown) => (readyError = error));
      expect(isAdapterError(readyError, 'UNREACHABLE')).toBe(true);
      expect(await again.ended).toMatchObject({ reason: 'lost' });
    } finally {
      await crashing.close();
      await peer.restart('evcrash');
    }
  });

  it('is stopped by close() of its host', async () => {
    const h = new KvmAdapter().connect({ uri: peer.host('ev').uri });
    const watch = h.watchEvents({}, () => undefined);
    await watch.ready;
    await h.close();
    expect(await watch.ended).toEqual({ reason: 'stopped' });
  });
});
