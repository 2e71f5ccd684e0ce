import { startVcsim, type VcsimPeer } from './testing';
import { VsphereAdapter } from './vsphere.adapter';
import { type VcenterHostWatch } from './vcenter-host.watch';

// The manager heartbeat channel against vcsim: one WaitForUpdatesEx long-poll (and a full read of
// all hosts at most every second, since vcsim never pushes HostSystem changes: see resyncSeconds)
// sees every host, notices a disconnect, survives a lost session, and goes quiet (null, not "every
// host is down") when vCenter itself stops answering.
describe('VcenterHostWatch against vcsim', () => {
  let peer: VcsimPeer;
  let watch: VcenterHostWatch;
  const adapter = new VsphereAdapter({ watch: { maxWaitSeconds: 1, resyncSeconds: 1, retryMs: 200 } });

  const until = async <T>(what: string, read: () => T | undefined | null | false, ms = 8_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = read();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stateOf = (host: string) => watch.current()?.get(host.toLowerCase());

  beforeAll(async () => {
    peer = await startVcsim({ hosts: 3, vms: 1 });
    watch = adapter.watchHosts(peer.endpoint());
  }, 300_000);
  afterAll(async () => {
    await watch?.close();
    await peer?.stop();
  });

  it('reports every host of the vCenter from one filter: connected, powered on, not in maintenance', async () => {
    expect(await watch.ready(10_000)).toBe(true);
    const hosts = watch.current();
    expect([...(hosts?.values() ?? [])].map((h) => h.host).sort()).toEqual([...peer.hosts].sort());
    for (const h of hosts?.values() ?? []) {
      expect(h).toMatchObject({ connectionState: 'CONNECTED', poweredOn: true, maintenance: false });
    }
    expect(watch.problem).toBeNull();
  });

  it('notices a host disconnect within about a second, and the reconnect', async () => {
    const host = peer.hosts[1] as string;
    const started = Date.now();
    await peer.admin.disconnectHost(host);
    await until('DISCONNECTED', () => stateOf(host)?.connectionState === 'DISCONNECTED');
    expect(Date.now() - started).toBeLessThan(3_000); // the next long-poll return and resync
    expect(stateOf(peer.hosts[0] as string)?.connectionState).toBe('CONNECTED');
    await peer.admin.reconnectHost(host);
    await until('CONNECTED again', () => stateOf(host)?.connectionState === 'CONNECTED');
  });

  it('logs in again and builds a new filter after its session is terminated', async () => {
    expect(await peer.admin.terminateOtherSessions()).toBeGreaterThanOrEqual(1);
    await peer.admin.disconnectHost(peer.hosts[2] as string);
    await until('the disconnect seen through the new session', () => stateOf(peer.hosts[2] as string)?.connectionState === 'DISCONNECTED', 10_000);
    await peer.admin.reconnectHost(peer.hosts[2] as string);
    await until('reconnected', () => stateOf(peer.hosts[2] as string)?.connectionState === 'CONNECTED', 10_000);
  });

  it('says nothing (null, with the problem) once vCenter stops answering: an outage is not "every host down"', async () => {
    await peer.stop();
    await until('the watch to go quiet', () => watch.current() === null, 8_000);
    expect(watch.problem).toEqual(expect.any(String));
  });
});
