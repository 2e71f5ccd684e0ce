import { Hypervisor } from '@haaas/domain';
import { deadline, isAdapterError } from '@haaas/hypervisor';
import { KvmAdapter } from './kvm.adapter';
import type { VirshKvmHost } from './kvm.host';
import { type LibvirtHosts, processesMatching, startLibvirtHosts, testDomainXml } from './testing';

/**
 * The adapter against real libvirtd daemons (test driver), two simulated hosts, through both
 * transports. Every state the adapter reports is checked against a bare virsh as well.
 */
let peer: LibvirtHosts;

beforeAll(async () => {
  peer = await startLibvirtHosts({ hosts: ['hostA', 'hostB'] });
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  if (peer) expect(processesMatching(peer.dir)).toEqual([]);
});

const o = (ms = 10_000): { signal: AbortSignal } => ({ signal: deadline(ms) });

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return isAdapterError(error) ? error.kind : `not an AdapterError: ${String(error)}`;
  }
}

async function bareState(host: string, vm: string): Promise<string> {
  const r = await peer.virsh(host, ['domstate', '--reason', '--domain', vm]);
  return r.code === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`;
}

describe.each(['session', 'process'] as const)('KVM adapter over virsh (%s transport)', (transport) => {
  const adapter = new KvmAdapter({ transport });
  let a: VirshKvmHost;
  let b: VirshKvmHost;
  // one uuid space per transport, so the two runs share the daemons without meeting
  const uuid = (n: number): string => `${transport === 'session' ? 'aaaaaaaa' : 'bbbbbbbb'}-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const vm = (name: string): string => `${name}-${transport}`;

  beforeAll(() => {
    a = adapter.connect({ uri: peer.host('hostA').uri }) as VirshKvmHost;
    b = adapter.connect({ uri: peer.host('hostB').uri, host: 'hostB' }) as VirshKvmHost;
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('is the KVM adapter and probes a host: reachable, CONNECTED, versions', async () => {
    expect(adapter.hypervisor).toBe(Hypervisor.KVM);
    expect(a.transport).toBe(transport);
    const probe = await a.probe(o());
    expect(probe).toMatchObject({ reachable: true, connectionState: 'CONNECTED', maintenance: false });
    expect(probe.details).toMatchObject({ driver: 'test', hypervisor: expect.stringMatching(/^TEST /), daemon: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect(probe.latencyMs).toBeGreaterThan(0);
    expect(a.capabilities).toEqual({ migrate: false, hostPower: false, register: true });
  });

  it('runs a full lifecycle: register, start, start again, reboot, graceful stop, stop again', async () => {
    const name = vm('life');
    const info = await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(1) }) }, o());
    expect(info).toEqual({ ref: name, name, uuid: uuid(1), powerState: 'STOPPED' });
    expect(await bareState('hostA', name)).toMatch(/^shut off/);

    await a.startVm(name, o());
    expect(await a.getVm(name, o())).toMatchObject({ powerState: 'RUNNING', uuid: uuid(1) });
    expect(await bareState('hostA', name)).toBe('running (booted)');
    await a.startVm(name, o()); // already running: success
    expect(await bareState('hostA', name)).toBe('running (booted)');

    await a.rebootVm(name, o());
    expect((await a.getVm(name, o())).powerState).toBe('RUNNING');

    await a.stopVm(name, { ...o(), gracefulTimeoutMs: 5_000 });
    expect(await bareState('hostA', name)).toBe('shut off (shutdown)'); // the graceful path, not destroy
    expect((await a.getVm(name, o())).powerState).toBe('STOPPED');
    await a.stopVm(name, { ...o(), gracefulTimeoutMs: 5_000 }); // already stopped: success
    await a.stopVm(name, { ...o(), gracefulTimeoutMs: 0 });
    expect(await kindOf(a.rebootVm(name, o()))).toBe('INVALID_STATE');

    const listed = await a.listVms(o());
    expect(listed).toEqual(expect.arrayContaining([{ ref: name, name, uuid: uuid(1), powerState: 'STOPPED' }, expect.objectContaining({ name: 'test' })]));
  });

  it('forces off at once with gracefulTimeoutMs 0', async () => {
    const name = vm('force');
    await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(2) }) }, o());
    await a.startVm(name, o());
    await a.stopVm(name, { ...o(), gracefulTimeoutMs: 0 });
    expect(await bareState('hostA', name)).toBe('shut off (destroyed)');
  });

  it('destroys a guest that ignores the shutdown request once gracefulTimeoutMs has passed', async () => {
    const name = vm('stubborn');
    await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(3), ignoresShutdown: true }) }, o());
    await a.startVm(name, o());
    const started = performance.now();
    await a.stopVm(name, { ...o(), gracefulTimeoutMs: 400 });
    const took = performance.now() - started;
    expect(await bareState('hostA', name)).toBe('shut off (destroyed)');
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(3_000);
  });

  it('fails with TIMEOUT when the deadline comes before the graceful timeout, leaving the VM running', async () => {
    const name = vm('stubborn2');
    await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(4), ignoresShutdown: true }) }, o());
    await a.startVm(name, o());
    const started = performance.now();
    expect(await kindOf(a.stopVm(name, { signal: deadline(300), gracefulTimeoutMs: 10_000 }))).toBe('TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(await bareState('hostA', name)).toMatch(/^running/);
    await a.stopVm(name, { ...o(), gracefulTimeoutMs: 0 });
  });

  it('brings a paused VM back to running on startVm', async () => {
    const name = vm('paused');
    await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(5) }) }, o());
    await a.startVm(name, o());
    expect((await peer.virsh('hostA', ['suspend', '--domain', name])).code).toBe(0);
    expect((await a.getVm(name, o())).powerState).toBe('PAUSED');
    await a.startVm(name, o());
    expect((await a.getVm(name, o())).powerState).toBe('RUNNING');
    expect(await bareState('hostA', name)).toBe('running (unpaused)');
  });

  it('answers NOT_FOUND for every VM operation on a VM that does not exist', async () => {
    const ghost = vm('ghost');
    expect(await kindOf(a.getVm(ghost, o()))).toBe('NOT_FOUND');
    expect(await kindOf(a.startVm(ghost, o()))).toBe('NOT_FOUND');
    expect(await kindOf(a.stopVm(ghost, { ...o(), gracefulTimeoutMs: 1_000 }))).toBe('NOT_FOUND');
    expect(await kindOf(a.stopVm(ghost, { ...o(), gracefulTimeoutMs: 0 }))).toBe('NOT_FOUND');
    expect(await kindOf(a.rebootVm(ghost, o()))).toBe('NOT_FOUND');
    expect(await kindOf(a.exportVm(ghost, o()))).toBe('NOT_FOUND');
    expect(await kindOf(a.getVm('00000000-0000-4000-8000-000000000000', o()))).toBe('NOT_FOUND');
  });

  it('registers idempotently under the same uuid and refuses another VM under a taken name or uuid', async () => {
    const name = vm('twice');
    const data = testDomainXml({ name, uuid: uuid(6) });
    await a.registerVm({ ref: name, format: 'libvirt-xml', data }, o());
    await a.startVm(name, o());
    expect(await a.registerVm({ ref: name, format: 'libvirt-xml', data }, o())).toMatchObject({ name, uuid: uuid(6), powerState: 'RUNNING' });
    expect(await kindOf(a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(99) }) }, o()))).toBe('INVALID_STATE');
    expect(await kindOf(a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name: vm('other'), uuid: uuid(6) }) }, o()))).toBe('INVALID_STATE');
    expect(await kindOf(a.registerVm({ ref: name, format: 'vsphere-vmx', data: '[ds] x/x.vmx' }, o()))).toBe('UNSUPPORTED');
    expect(await kindOf(a.registerVm({ ref: name, format: 'libvirt-xml', data: '<domain><name>x</name>' }, o()))).toBe('FAILED');
  });

  it('recovers a VM on another host: export from A, register and start on B (shared storage)', async () => {
    const name = vm('moving');
    await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(7), memoryKiB: 131072 }) }, o());
    await a.startVm(name, o());
    const definition = await a.exportVm(name, o());
    expect(definition).toMatchObject({ ref: name, format: 'libvirt-xml' });
    expect(definition.data).toContain(`<uuid>${uuid(7)}</uuid>`);
    expect(definition.data).not.toMatch(/<domain[^>]* id=/); // the persistent definition, not the live one

    await a.stopVm(name, { ...o(), gracefulTimeoutMs: 0 }); // host A "gone" as far as this VM goes
    expect(await kindOf(b.getVm(name, o()))).toBe('NOT_FOUND');
    const registered = await b.registerVm(definition, o());
    expect(registered).toEqual({ ref: name, name, uuid: uuid(7), powerState: 'STOPPED', host: 'hostB' });
    await b.startVm(name, o());
    expect(await bareState('hostB', name)).toBe('running (booted)');
    const dumped = await peer.virsh('hostB', ['dumpxml', '--domain', name]);
    expect(dumped.stdout).toContain("<memory unit='KiB'>131072</memory>");
    expect((await b.listVms(o())).find((v) => v.name === name)).toEqual({ ref: name, name, uuid: uuid(7), powerState: 'RUNNING', host: 'hostB' });
    await b.stopVm(name, { ...o(), gracefulTimeoutMs: 0 });
  });

  it('passes names with quotes, spaces, semicolons, UTF-8 and leading dashes through intact', async () => {
    const names = [`it's "a" vm; destroy test #${transport}`, `vm-é-ü-日本-${transport}`, `--help-${transport}`, `back\\slash ${transport}`];
    for (const [i, name] of names.entries()) {
      const info = await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(20 + i) }) }, o());
      expect(info.name).toBe(name);
      await a.startVm(name, o());
      expect(await a.getVm(name, o())).toMatchObject({ name, uuid: uuid(20 + i), powerState: 'RUNNING' });
      const exported = await a.exportVm(name, o());
      expect(exported.ref).toBe(name);
      await a.stopVm(name, { ...o(), gracefulTimeoutMs: 0 });
      expect(await bareState('hostA', name)).toBe('shut off (destroyed)');
    }
    const listed = await a.listVms(o());
    for (const [i, name] of names.entries()) expect(listed).toContainEqual({ ref: name, name, uuid: uuid(20 + i), powerState: 'STOPPED' });
    // `test` was not destroyed by the name with "; destroy test"
    expect(await bareState('hostA', 'test')).toMatch(/^running/);
  });

  it('addresses VMs by UUID, and refuses numeric refs that libvirt would take for domain ids', async () => {
    const name = vm('byuuid');
    await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(8) }) }, o());
    expect(await a.getVm(uuid(8), o())).toMatchObject({ ref: name, name });
    const testId = (await peer.virsh('hostA', ['domid', 'test'])).stdout.trim();
    expect(testId).toMatch(/^\d+$/);
    expect(await kindOf(a.stopVm(testId, { ...o(), gracefulTimeoutMs: 0 }))).toBe('FAILED');
    expect(await bareState('hostA', 'test')).toMatch(/^running/);
  });

  it('lists what a bare virsh lists', async () => {
    const bare = await peer.virsh('hostA', ['list', '--all', '--uuid', '--name']);
    const expected = bare.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ uuid: line.slice(0, 36), name: line.slice(37) }))
      .sort((x, y) => x.name.localeCompare(y.name));
    const listed = (await a.listVms(o())).map((v) => ({ uuid: v.uuid, name: v.name })).sort((x, y) => x.name.localeCompare(y.name));
    expect(listed).toEqual(expected);
    expect(listed.length).toBeGreaterThan(5);
  });

  it('maps libvirt\'s "not supported" for migration to UNSUPPORTED; hostPower is UNSUPPORTED', async () => {
    expect(await kindOf(a.migrateVm('test', peer.host('hostB').uri, o()))).toBe('UNSUPPORTED');
    expect(await kindOf(a.migrateVm(vm('ghost'), peer.host('hostB').uri, o()))).toBe('NOT_FOUND');
    expect(await kindOf(a.migrateVm('test', 'hostB', o()))).toBe('FAILED'); // no host in a unix URI to swap
    expect(await kindOf(a.hostPower('status', o()))).toBe('UNSUPPORTED');
    expect(await bareState('hostA', 'test')).toMatch(/^running/);
  });

  if (transport === 'session') {
    it('runs every command through one interactive virsh, and many concurrent calls stay in order', async () => {
      await a.probe(o());
      const pid = a.sessionPid;
      expect(pid).toBeDefined();
      const name = vm('busy');
      await a.registerVm({ ref: name, format: 'libvirt-xml', data: testDomainXml({ name, uuid: uuid(9) }) }, o());
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? a.getVm(name, o()) : i % 3 === 1 ? a.getVm('test', o()) : a.listVms(o()))));
      results.forEach((r, i) => {
        if (i % 3 === 0) expect(r).toMatchObject({ name, uuid: uuid(9) });
        else if (i % 3 === 1) expect(r).toMatchObject({ name: 'test' });
        else expect(Array.isArray(r)).toBe(true);
      });
      expect(a.sessionPid).toBe(pid);
    });

    it('survives a failed command and a long output (domain XML) in the same session', async () => {
      const pid = a.sessionPid;
      expect(await kindOf(a.getVm(vm('nope'), o()))).toBe('NOT_FOUND');
      const big = vm('big');
      const xml = testDomainXml({ name: big, uuid: uuid(10) }).replace('</domain>', `  <description>${'x'.repeat(200_000)}</description>\n</domain>`);
      await a.registerVm({ ref: big, format: 'libvirt-xml', data: xml }, o());
      expect((await a.exportVm(big, o())).data).toContain('x'.repeat(200_000));
      expect(await a.getVm(big, o())).toMatchObject({ name: big });
      expect(a.sessionPid).toBe(pid);
    });

    it('replaces an interactive virsh that died, and quits one that sat idle', async () => {
      await a.probe(o());
      const pid = a.sessionPid as number;
      process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await a.getVm('test', o())).name).toBe('test');
      expect(a.sessionPid).toBeDefined();
      expect(a.sessionPid).not.toBe(pid);

      const idle = new KvmAdapter({ transport: 'session', sessionIdleMs: 100 }).connect({ uri: peer.host('hostA').uri }) as VirshKvmHost;
      try {
        await idle.probe(o());
        const first = idle.sessionPid;
        expect(first).toBeDefined();
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(idle.sessionPid).toBeUndefined();
        expect(processesMatching(peer.dir).map((p) => p.pid)).not.toContain(first);
        await idle.probe(o());
        expect(idle.sessionPid).toBeDefined();
      } finally {
        await idle.close();
      }
    });
  }

  it('refuses calls after close', async () => {
    const c = adapter.connect({ uri: peer.host('hostA').uri });
    await c.probe(o());
    await c.close();
    expect(await kindOf(c.probe(o()))).toBe('FAILED');
  });
});
