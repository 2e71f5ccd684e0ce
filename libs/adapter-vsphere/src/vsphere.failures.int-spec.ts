import { freePort } from '@haaas/devstack';
import { type AdapterErrorKind, isAdapterError } from '@haaas/hypervisor';
import { startVcsim, type VcsimPeer } from './testing';
import { VsphereAdapter } from './vsphere.adapter';
import { type VsphereHost } from './vsphere.host';

// Failure paths against a vcsim whose calls are slowed down on purpose (vcsim's -method-delay):
// PowerOnVM_Task answers after 3 s, ShutdownGuest after 5 s (so the guest "never" stops within a
// short grace period), and the Reset task runs 3 s. Then the peer is killed.
describe('VsphereAdapter failure paths against vcsim', () => {
  const adapter = new VsphereAdapter();
  let peer: VcsimPeer;
  const opened: VsphereHost[] = [];
  const host = (name: string, uri?: string): VsphereHost => {
    const h = adapter.connect({ ...peer.endpoint(name), ...(uri ? { uri } : {}) });
    opened.push(h);
    return h;
  };
  const timed = async (p: Promise<unknown>): Promise<{ kind: AdapterErrorKind | 'ok'; ms: number }> => {
    const started = Date.now();
    try {
      await p;
      return { kind: 'ok', ms: Date.now() - started };
    } catch (error) {
      if (!isAdapterError(error)) throw error;
      return { kind: error.kind, ms: Date.now() - started };
    }
  };

  beforeAll(async () => {
    peer = await startVcsim({ hosts: 1, vms: 2, methodDelay: { PowerOnVM_Task: 3_000, ShutdownGuest: 5_000, Reset: 3_000 } });
  }, 300_000);
  afterAll(async () => {
    await Promise.all(opened.map((h) => h.close()));
    await peer?.stop();
  });

  it('honours the deadline inside a slow call: TIMEOUT when it fires, not when the server answers', async () => {
    const h = host('DC0_H0');
    await h.stopVm('DC0_H0_VM0', { signal: AbortSignal.timeout(10_000), gracefulTimeoutMs: 0 });
    const r = await timed(h.startVm('DC0_H0_VM0', { signal: AbortSignal.timeout(400) }));
    expect(r.kind).toBe('TIMEOUT');
    expect(r.ms).toBeGreaterThanOrEqual(350);
    expect(r.ms).toBeLessThan(1_500);
  });

  it('fails at once when the deadline has already passed', async () => {
    const r = await timed(host('DC0_H0').listVms({ signal: AbortSignal.abort() }));
    expect(r).toMatchObject({ kind: 'TIMEOUT' });
    expect(r.ms).toBeLessThan(50);
  });

  it('powers off after the grace period when the guest does not shut down in time', async () => {
    const h = host('DC0_C0_H0');
    const vm = 'DC0_C0_RP0_VM0'; // running since vcsim started
    expect((await h.getVm(vm, { signal: AbortSignal.timeout(5_000) })).powerState).toBe('RUNNING');
    const r = await timed(h.stopVm(vm, { signal: AbortSignal.timeout(10_000), gracefulTimeoutMs: 600 }));
    expect(r.kind).toBe('ok');
    expect(r.ms).toBeGreaterThanOrEqual(550); // it did wait for the guest
    expect(r.ms).toBeLessThan(3_000); // and did not wait for the 5 s ShutdownGuest
    expect((await h.getVm(vm, { signal: AbortSignal.timeout(5_000) })).powerState).toBe('STOPPED');
  });

  // vcsim holds the VM's lock while a delayed task runs, which slows every read of it: this one goes late
  it('honours the deadline while waiting for a running task (ResetVM_Task)', async () => {
    const h = host('DC0_H0');
    const r = await timed(h.rebootVm('DC0_H0_VM1', { signal: AbortSignal.timeout(500) }));
    expect(r.kind).toBe('TIMEOUT');
    expect(r.ms).toBeLessThan(1_500);
  });

  it('calls a closed port UNREACHABLE at once, and probe says unreachable', async () => {
    const port = await freePort();
    const h = host('DC0_H0', `https://127.0.0.1:${port}/sdk`);
    const r = await timed(h.listVms({ signal: AbortSignal.timeout(5_000) }));
    expect(r.kind).toBe('UNREACHABLE');
    expect(r.ms).toBeLessThan(500);
    expect(await h.probe({ signal: AbortSignal.timeout(5_000) })).toMatchObject({ reachable: false, connectionState: 'UNKNOWN' });
  });

  it('calls a killed manager UNREACHABLE quickly, with a session and kept-alive sockets open', async () => {
    const h = host('DC0_H0');
    expect(await h.probe({ signal: AbortSignal.timeout(5_000) })).toMatchObject({ reachable: true });
    await peer.stop();
    const r = await timed(h.listVms({ signal: AbortSignal.timeout(5_000) }));
    expect(r.kind).toBe('UNREACHABLE');
    expect(r.ms).toBeLessThan(500);
    const probe = await h.probe({ signal: AbortSignal.timeout(5_000) });
    expect(probe).toMatchObject({ reachable: false });
    expect(probe.details['error']).toMatch(/ECONNREFUSED|ECONNRESET/);
  });
});
