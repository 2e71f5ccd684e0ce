import { type AdapterErrorKind, type CallOptions, isAdapterError } from '@haaas/hypervisor';
import { startVcsim, type VcsimPeer } from './testing';
import { VsphereAdapter } from './vsphere.adapter';
import { type VsphereHost } from './vsphere.host';

// Against vcsim (govmomi's vCenter simulator): one datacenter, a cluster of 3 hosts
// (DC0_C0_H0..H2, VMs DC0_C0_RP0_VM0..3) and a standalone host DC0_H0 (VMs DC0_H0_VM0..3), all running.
// vcsim spreads the cluster's VMs over its hosts at random: tests move a VM where they need it first.
describe('VsphereAdapter against vcsim', () => {
  const adapter = new VsphereAdapter();
  let peer: VcsimPeer;
  const opened: VsphereHost[] = [];
  const host = (name: string, override: Partial<ReturnType<VcsimPeer['endpoint']>> = {}): VsphereHost => {
    const h = adapter.connect({ ...peer.endpoint(name), ...override });
    opened.push(h);
    return h;
  };
  const o = (ms = 10_000): CallOptions => ({ signal: AbortSignal.timeout(ms) });
  /** Puts a VM on a host first (relocating it if vcsim placed it elsewhere). */
  const placeOn = async (vm: string, hostName: string): Promise<void> => {
    await host(hostName).migrateVm(vm, hostName, o());
    expect(await peer.admin.vmHost(vm)).toBe(hostName);
  };
  const kindOf = async (p: Promise<unknown>): Promise<AdapterErrorKind | 'ok'> => {
    try {
      await p;
      return 'ok';
    } catch (error) {
      if (isAdapterError(error)) return error.kind;
      throw error;
    }
  };

  // the first run builds vcsim (go install), which takes a minute or two
  beforeAll(async () => {
    peer = await startVcsim();
  }, 300_000);
  afterAll(async () => {
    await Promise.all(opened.map((h) => h.close()));
    await peer?.stop();
  });

  it('logs in and probes the node host: connected, not in maintenance, manager and host named', async () => {
    const probe = await host('DC0_C0_H0').probe(o());
    expect(probe).toMatchObject({ reachable: true, connectionState: 'CONNECTED', maintenance: false });
    expect(probe.details).toMatchObject({ host: 'DC0_C0_H0', hostPowerState: 'poweredOn', apiVersion: expect.stringMatching(/^\d/) });
    expect(probe.details['manager']).toContain('vCenter');
    expect(probe.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses a wrong password with AUTH_FAILED, and no password in the message', async () => {
    const wrong = `${peer.password}-wrong<&>`;
    const h = host('DC0_C0_H0', { password: wrong });
    const error: unknown = await h.listVms(o()).catch((e: unknown) => e);
    expect(isAdapterError(error, 'AUTH_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/InvalidLogin/);
    expect((error as Error).message).not.toContain(wrong);
    expect((error as Error).message).not.toContain(peer.password);
    // probe too: bad credentials are not an unreachable manager
    expect(await kindOf(h.probe(o()))).toBe('AUTH_FAILED');
  });

  it('verifies the certificate unless insecureTls is set', async () => {
    const error: unknown = await host('DC0_C0_H0', { insecureTls: false })
      .listVms(o())
      .catch((e: unknown) => e);
    expect(isAdapterError(error, 'AUTH_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/certificate/);
  });

  it('names a host that is not in the inventory NOT_FOUND', async () => {
    expect(await kindOf(host('no-such-esx').listVms(o()))).toBe('NOT_FOUND');
  });

  it('lists each host its own VMs, by runtime.host', async () => {
    const lists = await Promise.all(peer.hosts.map((name) => host(name).listVms(o())));
    const all = lists.flat();
    expect(all).toHaveLength(8);
    expect(new Set(all.map((v) => v.ref)).size).toBe(8);
    lists.forEach((vms, i) => vms.forEach((vm) => expect(vm.host).toBe(peer.hosts[i])));
    const standalone = lists[peer.hosts.indexOf('DC0_H0')] ?? [];
    expect(standalone.map((v) => v.name).sort()).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1', 'DC0_H0_VM2', 'DC0_H0_VM3']);
    expect(standalone.every((v) => v.powerState === 'RUNNING' && /^[0-9a-f-]{36}$/.test(v.uuid ?? ''))).toBe(true);
  });

  it('reads one VM by name wherever it is, and calls an unknown VM NOT_FOUND in every call', async () => {
    const h = host('DC0_C0_H0');
    expect(await h.getVm('DC0_H0_VM2', o())).toMatchObject({ ref: 'DC0_H0_VM2', name: 'DC0_H0_VM2', host: 'DC0_H0', powerState: 'RUNNING' });
    const calls = [
      () => h.getVm('nope', o()),
      () => h.startVm('nope', o()),
      () => h.stopVm('nope', { ...o(), gracefulTimeoutMs: 0 }),
      () => h.rebootVm('nope', o()),
      () => h.exportVm('nope', o()),
      () => h.migrateVm('nope', 'DC0_H0', o()),
    ];
    for (const call of calls) expect(await kindOf(call())).toBe('NOT_FOUND');
    const error: unknown = await h.startVm('nope', o()).catch((e: unknown) => e);
    expect((error as Error).message).toBe('startVm: VM nope not found');
  });

  it('starts and stops idempotently: start a running VM, stop a stopped one', async () => {
    const h = host('DC0_H0');
    await h.startVm('DC0_H0_VM0', o()); // running already: vcsim answers InvalidPowerState, which is success
    expect((await h.getVm('DC0_H0_VM0', o())).powerState).toBe('RUNNING');
    await h.stopVm('DC0_H0_VM0', { ...o(), gracefulTimeoutMs: 0 });
    expect((await h.getVm('DC0_H0_VM0', o())).powerState).toBe('STOPPED');
    await h.stopVm('DC0_H0_VM0', { ...o(), gracefulTimeoutMs: 0 });
    await h.stopVm('DC0_H0_VM0', { ...o(), gracefulTimeoutMs: 5_000 });
    await peer.admin.powerOffVm('DC0_H0_VM0').catch(() => undefined); // PowerOff of a stopped VM fails inside vcsim, not here
    await h.startVm('DC0_H0_VM0', o());
    await h.startVm('DC0_H0_VM0', o());
    expect((await h.getVm('DC0_H0_VM0', o())).powerState).toBe('RUNNING');
  });

  it('stops gracefully through ShutdownGuest (vcsim powers off at once, without tools) well within the grace period', async () => {
    const h = host('DC0_H0');
    const started = Date.now();
    await h.stopVm('DC0_H0_VM3', { ...o(), gracefulTimeoutMs: 8_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await h.getVm('DC0_H0_VM3', o())).powerState).toBe('STOPPED');
  });

  it('reboots a running VM (ResetVM_Task) and calls rebooting a stopped one INVALID_STATE', async () => {
    const h = host('DC0_H0');
    await h.rebootVm('DC0_H0_VM2', o());
    expect((await h.getVm('DC0_H0_VM2', o())).powerState).toBe('RUNNING');
    await h.stopVm('DC0_H0_VM2', { ...o(), gracefulTimeoutMs: 0 });
    const error: unknown = await h.rebootVm('DC0_H0_VM2', o()).catch((e: unknown) => e);
    expect(isAdapterError(error, 'INVALID_STATE')).toBe(true);
    expect((error as Error).message).toMatch(/InvalidPowerState.*poweredOff/);
  });

  it('relocates a running VM to another host and reads the move from VM.runtime.host', async () => {
    const h0 = host('DC0_C0_H0');
    const vm = 'DC0_C0_RP0_VM0';
    await placeOn(vm, 'DC0_C0_H0');
    expect((await h0.listVms(o())).map((v) => v.ref)).toContain(vm);
    await h0.migrateVm(vm, 'DC0_C0_H2', o());
    expect(await peer.admin.vmHost(vm)).toBe('DC0_C0_H2');
    expect(await h0.getVm(vm, o())).toMatchObject({ host: 'DC0_C0_H2', powerState: 'RUNNING' });
    expect((await host('DC0_C0_H2').listVms(o())).map((v) => v.ref)).toContain(vm);
    expect((await h0.listVms(o())).map((v) => v.ref)).not.toContain(vm);
    await h0.migrateVm(vm, 'DC0_C0_H2', o()); // already there
    // out of the cluster, onto the standalone host (its own compute resource and pool)
    await h0.migrateVm(vm, 'DC0_H0', o());
    expect(await peer.admin.vmHost(vm)).toBe('DC0_H0');
    expect(await kindOf(h0.migrateVm(vm, 'no-such-host', o()))).toBe('NOT_FOUND');
  });

  it('sees a disconnected host, refuses to migrate onto it, and sees it back', async () => {
    const h1 = host('DC0_C0_H1');
    const vm = 'DC0_C0_RP0_VM1';
    await placeOn(vm, 'DC0_C0_H0');
    await peer.admin.disconnectHost('DC0_C0_H1');
    try {
      expect(await h1.probe(o())).toMatchObject({ reachable: true, connectionState: 'DISCONNECTED' });
      expect(await h1.hostPower('status', o())).toBe('unknown');
      const error: unknown = await host('DC0_C0_H0')
        .migrateVm(vm, 'DC0_C0_H1', o())
        .catch((e: unknown) => e);
      expect(isAdapterError(error, 'INVALID_STATE')).toBe(true);
      expect((error as Error).message).toMatch(/disconnected/);
    } finally {
      await peer.admin.reconnectHost('DC0_C0_H1');
    }
    expect(await h1.probe(o())).toMatchObject({ connectionState: 'CONNECTED' });
    expect(await h1.hostPower('status', o())).toBe('on');
  });

  it('enters and leaves maintenance mode; a VM cannot start on a host in maintenance', async () => {
    const h2 = host('DC0_C0_H2');
    const vm = 'DC0_C0_RP0_VM3';
    await placeOn(vm, 'DC0_C0_H2');
    await placeOn('DC0_C0_RP0_VM2', 'DC0_C0_H0');
    await h2.stopVm(vm, { ...o(), gracefulTimeoutMs: 0 });
    await h2.enterMaintenanceMode(o());
    try {
      expect(await h2.probe(o())).toMatchObject({ connectionState: 'MAINTENANCE', maintenance: true });
      expect(await kindOf(h2.startVm(vm, o()))).toBe('INVALID_STATE');
      expect(await kindOf(host('DC0_C0_H0').migrateVm('DC0_C0_RP0_VM2', 'DC0_C0_H2', o()))).toBe('INVALID_STATE');
    } finally {
      await h2.exitMaintenanceMode(o());
    }
    expect(await h2.probe(o())).toMatchObject({ connectionState: 'CONNECTED', maintenance: false });
    await h2.startVm(vm, o());
    expect((await h2.getVm(vm, o())).powerState).toBe('RUNNING');
  });

  it('exports a VM as its .vmx path and registers it on another host (the old registration goes)', async () => {
    const source = host('DC0_H0');
    const target = host('DC0_C0_H1');
    const vm = 'DC0_H0_VM1';
    const before = await source.getVm(vm, o());
    const definition = await source.exportVm(vm, o());
    expect(definition).toEqual({ ref: vm, format: 'vsphere-vmx', data: `[LocalDS_0] ${vm}/${vm}.vmx` });

    // running on a connected host: registering elsewhere would make two of it
    expect(await kindOf(target.registerVm(definition, o()))).toBe('INVALID_STATE');

    await source.stopVm(vm, { ...o(), gracefulTimeoutMs: 0 });
    const registered = await target.registerVm(definition, o());
    expect(registered).toMatchObject({ ref: vm, host: 'DC0_C0_H1', uuid: before.uuid, powerState: 'STOPPED' });
    expect(await peer.admin.vmHost(vm)).toBe('DC0_C0_H1');
    expect((await source.listVms(o())).map((v) => v.ref)).not.toContain(vm);
    expect(await target.registerVm(definition, o())).toMatchObject({ ref: vm, host: 'DC0_C0_H1' }); // idempotent
    await target.startVm(vm, o());
    expect((await target.getVm(vm, o())).powerState).toBe('RUNNING');

    expect(await kindOf(target.registerVm({ ref: 'x', format: 'libvirt-xml', data: '<domain/>' }, o()))).toBe('UNSUPPORTED');
  });

  it('registers a VM that was removed from the inventory (shared storage, its host gone)', async () => {
    const vm = 'DC0_H0_VM2';
    const definition = await host('DC0_H0').exportVm(vm, o());
    await peer.admin.unregisterVm(vm);
    const target = host('DC0_C0_H0');
    expect(await kindOf(target.getVm(vm, o()))).toBe('NOT_FOUND');
    expect(await target.registerVm(definition, o())).toMatchObject({ ref: vm, host: 'DC0_C0_H0' });
    await target.startVm(vm, o());
  });

  it('re-registers a VM whose host vCenter lost: last seen running, its record is powered off first', async () => {
    const source = host('DC0_H0');
    const target = host('DC0_C0_H2');
    const running = await source.exportVm('DC0_H0_VM0', o());
    const stopped = await source.exportVm('DC0_H0_VM3', o());
    await source.startVm('DC0_H0_VM0', o());
    await source.stopVm('DC0_H0_VM3', { ...o(), gracefulTimeoutMs: 0 });
    await peer.admin.disconnectHost('DC0_H0');
    try {
      // a VM on another host is not this node's: no power operation reaches it through this host
      expect(await kindOf(target.stopVm('DC0_H0_VM0', { ...o(), gracefulTimeoutMs: 0 }))).toBe('NOT_FOUND');
      expect(await kindOf(target.startVm('DC0_H0_VM3', o()))).toBe('NOT_FOUND');
      // last seen running on a lost host: vcsim (like vCenter) refuses UnregisterVM of a powered-on
      // VM; its record is powered off through vCenter, then it moves (vcsim allows the power-off)
      expect(await target.registerVm(running, o())).toMatchObject({ ref: 'DC0_H0_VM0', host: 'DC0_C0_H2', powerState: 'STOPPED' });
      expect(await peer.admin.vmHost('DC0_H0_VM0')).toBe('DC0_C0_H2');
      // last seen stopped: unregistered there, registered here
      expect(await target.registerVm(stopped, o())).toMatchObject({ ref: 'DC0_H0_VM3', host: 'DC0_C0_H2' });
    } finally {
      await peer.admin.reconnectHost('DC0_H0');
    }
  });

  it('calls host power UNSUPPORTED where the manager refuses it (vcsim has no ShutdownHost_Task)', async () => {
    const h = host('DC0_C0_H0');
    expect(await h.hostPower('status', o())).toBe('on');
    expect(await h.hostPower('on', o())).toBe('on');
    expect(await kindOf(h.hostPower('off', o()))).toBe('UNSUPPORTED');
    expect(await kindOf(h.hostPower('reboot', o()))).toBe('UNSUPPORTED');
  });

  it('logs in again when its session is terminated behind its back', async () => {
    const h = host('DC0_H0');
    const before = await h.listVms(o());
    expect(before.length).toBeGreaterThan(0);
    expect(await peer.admin.terminateOtherSessions()).toBeGreaterThan(0);
    expect(await h.listVms(o())).toEqual(before);
    await h.startVm(before[0]?.ref ?? '', o());
    expect(await peer.admin.terminateOtherSessions()).toBeGreaterThan(0);
    expect((await h.getVm(before[0]?.ref ?? '', o())).powerState).toBe('RUNNING');
  });

  it('fails calls after close', async () => {
    const h = host('DC0_C0_H0');
    await h.listVms(o());
    await h.close();
    expect(await kindOf(h.listVms(o()))).toBe('INVALID_STATE');
  });
});
