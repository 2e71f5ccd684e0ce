import { freePort } from '@haaas/devstack';
import { Hypervisor } from '@haaas/domain';
import { deadline, type HypervisorHost, isAdapterError } from '@haaas/hypervisor';
import { HypervAdapter } from './hyperv.adapter';
import { HypervHostSimulator, type HypervSimulatorOptions, vmcxPath } from './testing/hyperv-host.simulator';
import { startWinRmTestServer, type WinRmTestServer } from './testing/winrm-test.server';

const PASSWORD = 'Hv-adm1n$ecret';
const ID = {
  web01: '5a1e0c2d-3f4b-4c6d-8e9f-0a1b2c3d4e5f',
  db01: '7b2f1d3e-4a5c-4d7e-9f0a-1b2c3d4e5f60',
  app01: '9c3a2e4f-5b6d-4e8f-a0b1-2c3d4e5f6071',
  cache01: 'ad4b3f5a-6c7e-4f9a-b1c2-3d4e5f607182',
  bracket: 'be5c4a6b-7d8f-4a0b-c2d3-4e5f60718293',
  quote: 'cf6d5b7c-8e9a-4b1c-d3e4-5f6071829304',
  dr01: 'd07e6c8d-9fab-4c2d-e4f5-607182930415',
};

const o = (ms = 10_000) => ({ signal: deadline(ms) });

function simulatorOptions(): HypervSimulatorOptions {
  return {
    computerName: 'HV01',
    cluster: { name: 'HVCLU01', nodeState: 'Up', nodes: ['HV01', 'HV02'] },
    vms: [
      { name: 'web01', id: ID.web01, state: 'Running', isClustered: true },
      { name: 'db01', id: ID.db01, state: 'Off' },
      { name: 'app01', id: ID.app01, state: 'Saved' },
      { name: 'cache01', id: ID.cache01, state: 'Paused', guestShutdown: false },
      { name: 'lab [1]', id: ID.bracket, state: 'Off' },
      { name: "O'Brien’s vm", id: ID.quote, state: 'Off' },
    ],
  };
}

describe('Hyper-V adapter against the WS-Management test server and a simulated Hyper-V host', () => {
  let sim: HypervHostSimulator;
  let server: WinRmTestServer;
  let host: HypervisorHost;
  const adapter = new HypervAdapter();
  const extra: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    server = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, run: (c) => sim.handler(c) });
  });
  beforeEach(() => {
    sim = new HypervHostSimulator(simulatorOptions());
    host = adapter.connect({ uri: server.url, username: 'LAB\\haaas', password: PASSWORD, host: 'HV01' });
    extra.push(host);
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((h) => h.close()));
    expect(server.openShells()).toEqual([]);
  });
  afterAll(() => server.close());

  it('is the Hyper-V adapter with its capabilities', () => {
    expect(adapter.hypervisor).toBe(Hypervisor.HYPERV);
    expect(host.capabilities).toEqual({ migrate: true, hostPower: true, register: true });
  });

  it('probes the host: Get-VMHost and the cluster node state', async () => {
    const probe = await host.probe(o());
    expect(probe).toMatchObject({ reachable: true, connectionState: 'CONNECTED', maintenance: false });
    expect(probe.details).toEqual({
      computerName: 'HV01',
      fqdn: 'hv01.lab.local',
      osVersion: '10.0.20348.0',
      logicalProcessors: '48',
      memoryBytes: '274877906944',
      cluster: 'HVCLU01',
      clusterNodeState: 'Up',
    });
    expect(probe.latencyMs).toBeGreaterThan(0);
  });

  it('reports a paused cluster node as maintenance, and a standalone host as connected', async () => {
    sim = new HypervHostSimulator({ ...simulatorOptions(), cluster: { name: 'HVCLU01', nodeState: 'Paused', nodes: ['HV01'] } });
    expect(await host.probe(o())).toMatchObject({ connectionState: 'MAINTENANCE', maintenance: true });
    sim = new HypervHostSimulator({ ...simulatorOptions(), cluster: undefined });
    const standalone = await host.probe(o());
    expect(standalone).toMatchObject({ connectionState: 'CONNECTED', maintenance: false });
    expect(standalone.details['cluster']).toBeUndefined();
  });

  it.each([false, true])('lists VMs with their power states (State as number: %s)', async (stateAsNumber) => {
    sim = new HypervHostSimulator({ ...simulatorOptions(), stateAsNumber });
    const vms = await host.listVms(o());
    expect(vms.map((v) => [v.name, v.powerState])).toEqual([
      ['web01', 'RUNNING'],
      ['db01', 'STOPPED'],
      ['app01', 'SUSPENDED'],
      ['cache01', 'PAUSED'],
      ['lab [1]', 'STOPPED'],
      ["O'Brien’s vm", 'STOPPED'],
    ]);
    expect(vms[0]).toEqual({ ref: 'web01', name: 'web01', uuid: ID.web01, powerState: 'RUNNING', host: 'HV01' });
  });

  it('lists no VMs on an empty host', async () => {
    sim = new HypervHostSimulator({ ...simulatorOptions(), vms: [] });
    expect(await host.listVms(o())).toEqual([]);
  });

  it('gets a VM by name, by Id, with wildcard characters and quotes in its name', async () => {
    expect(await host.getVm('web01', o())).toMatchObject({ uuid: ID.web01, powerState: 'RUNNING' });
    expect(await host.getVm(ID.db01, o())).toMatchObject({ name: 'db01', powerState: 'STOPPED' });
    expect(await host.getVm('lab [1]', o())).toMatchObject({ uuid: ID.bracket });
    expect(await host.getVm("O'Brien’s vm", o())).toMatchObject({ uuid: ID.quote });
  });

  it('maps a VM that does not exist to NOT_FOUND (by name and by Id)', async () => {
    await expect(host.getVm('ghost', o())).rejects.toMatchObject({ kind: 'NOT_FOUND', operation: 'getVm', message: expect.stringContaining('unable to find a virtual machine with name "ghost"') });
    await expect(host.startVm('00000000-0000-4000-8000-000000000000', o())).rejects.toMatchObject({ kind: 'NOT_FOUND', operation: 'startVm' });
    await expect(host.stopVm('ghost', { ...o(), gracefulTimeoutMs: 0 })).rejects.toMatchObject({ kind: 'NOT_FOUND' });
  });

  it('starts a stopped VM, resumes a paused one, and treats a running one as success', async () => {
    await host.startVm('db01', o());
    expect((await host.getVm('db01', o())).powerState).toBe('RUNNING');
    await host.startVm('cache01', o());
    expect((await host.getVm('cache01', o())).powerState).toBe('RUNNING');
    await host.startVm('web01', o());
    expect(sim.calls.filter((c) => c.operation === 'startVm').map((c) => c.detail)).toEqual(['Start-VM', 'Resume-VM', 'already running']);
  });

  it('treats Start-VM failing with InvalidState on a VM that now runs as success (a race)', async () => {
    sim.startRaces.add('db01');
    await expect(host.startVm('db01', o())).resolves.toBeUndefined();
    expect((await host.getVm('db01', o())).powerState).toBe('RUNNING');
  });

  it('stops a VM: guest shutdown within the grace time, power off at once with 0, success when off', async () => {
    await host.stopVm('web01', { ...o(), gracefulTimeoutMs: 30_000 });
    await host.stopVm('cache01', { ...o(), gracefulTimeoutMs: 0 });
    await host.stopVm('db01', { ...o(), gracefulTimeoutMs: 5_000 });
    expect(sim.calls.filter((c) => c.operation === 'stopVm').map((c) => c.detail)).toEqual([
      'Stop-VM -Force (guest shutdown)',
      'Stop-VM -TurnOff',
      'already off',
    ]);
    expect((await host.listVms(o())).filter((v) => ['web01', 'cache01', 'db01'].includes(v.name)).every((v) => v.powerState === 'STOPPED')).toBe(true);
  });

  it('reboots a running VM and refuses a stopped one with INVALID_STATE', async () => {
    await expect(host.rebootVm('web01', o())).resolves.toBeUndefined();
    await expect(host.rebootVm('db01', o())).rejects.toMatchObject({ kind: 'INVALID_STATE', message: expect.stringContaining('current state') });
  });

  it('exports a VM configuration path and registers it on another host with shared storage, idempotently', async () => {
    const definition = await host.exportVm('web01', o());
    expect(definition).toEqual({ ref: 'web01', format: 'hyperv-vmcx', data: `C:\\ClusterStorage\\Volume1\\web01\\Virtual Machines\\${ID.web01.toUpperCase()}.vmcx` });

    // HV02: its own WinRM listener, the same shared storage
    const hv02 = new HypervHostSimulator({ computerName: 'HV02', sharedStorage: [{ name: 'web01', id: ID.web01, configurationLocation: 'C:\\ClusterStorage\\Volume1\\web01' }] });
    const server2 = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, run: hv02.handler });
    extra.push(server2);
    const host2 = adapter.connect({ uri: server2.url, username: 'haaas', password: PASSWORD, host: 'HV02' });
    extra.push(host2);
    const registered = await host2.registerVm(definition, o());
    expect(registered).toEqual({ ref: 'web01', name: 'web01', uuid: ID.web01, powerState: 'STOPPED', host: 'HV02' });
    expect(await host2.registerVm(definition, o())).toEqual(registered);
    expect(hv02.vms.size).toBe(1);
    await host2.startVm('web01', o());
    expect((await host2.getVm('web01', o())).powerState).toBe('RUNNING');

    const missing = { ...definition, data: vmcxPath({ id: ID.dr01, configurationLocation: 'C:\\ClusterStorage\\Volume1\\dr01' }) };
    await expect(host2.registerVm(missing, o())).rejects.toMatchObject({ kind: 'NOT_FOUND' });
    await expect(host2.registerVm({ ...definition, format: 'libvirt-xml' }, o())).rejects.toMatchObject({ kind: 'UNSUPPORTED' });
  });

  it('migrates a clustered VM to another node; same host is success; an unknown host fails', async () => {
    await host.migrateVm('web01', 'HV02', o());
    expect((await host.getVm('web01', o())).host).toBe('HV02');
    await host.migrateVm('web01', 'HV02', o());
    const error = await host.migrateVm('db01', 'HV09', o()).catch((e: unknown) => e);
    expect(isAdapterError(error, 'FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/migration operation for 'db01' failed.*OperationFailed/s);
  });

  it('powers the host through Stop-Computer / Restart-Computer; status; on is unsupported', async () => {
    expect(await host.hostPower('status', o())).toBe('on');
    expect(await host.hostPower('reboot', o())).toBe('on');
    expect(sim.powerState).toBe('rebooting');
    expect(await host.hostPower('off', o())).toBe('off');
    expect(sim.powerState).toBe('off');
    await expect(host.hostPower('on', o())).rejects.toMatchObject({ kind: 'UNSUPPORTED' });
  });

  it('maps a missing Hyper-V module to UNSUPPORTED and missing rights to AUTH_FAILED', async () => {
    sim = new HypervHostSimulator({ ...simulatorOptions(), noHyperVModule: true });
    await expect(host.listVms(o())).rejects.toMatchObject({ kind: 'UNSUPPORTED', message: expect.stringContaining("'Get-VM' is not recognized") });
    sim = new HypervHostSimulator({ ...simulatorOptions(), accessDenied: true });
    await expect(host.getVm('web01', o())).rejects.toMatchObject({ kind: 'AUTH_FAILED', message: expect.stringContaining('required permission') });
  });

  it('maps a wrong password to AUTH_FAILED and keeps the password out of messages', async () => {
    const wrong = adapter.connect({ uri: server.url, username: 'LAB\\haaas', password: 'not-the-password', host: 'HV01' });
    extra.push(wrong);
    const error = await wrong.probe(o()).catch((e: unknown) => e);
    expect(isAdapterError(error, 'AUTH_FAILED')).toBe(true);
    expect(JSON.stringify({ m: (error as Error).message, s: (error as Error).stack })).not.toContain('not-the-password');
    const none = adapter.connect({ uri: server.url, username: 'haaas', password: null });
    extra.push(none);
    await expect(none.listVms(o())).rejects.toMatchObject({ kind: 'AUTH_FAILED', operation: 'listVms' });
  });

  it('works with Basic over HTTPS (?auth=basic) and a self-signed certificate when insecureTls', async () => {
    const tls = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, https: true, run: (c) => sim.handler(c) });
    extra.push(tls);
    const secure = adapter.connect({ uri: `${tls.url}?auth=basic`, username: 'haaas', password: PASSWORD, insecureTls: true });
    extra.push(secure);
    expect((await secure.getVm('web01', o())).powerState).toBe('RUNNING');
    expect(tls.events.every((e) => e.auth === 'basic')).toBe(true);
    const strict = adapter.connect({ uri: tls.url, username: 'haaas', password: PASSWORD });
    extra.push(strict);
    await expect(strict.getVm('web01', o())).rejects.toMatchObject({ kind: 'AUTH_FAILED', message: expect.stringContaining('certificate') });
  });

  it('reports a dead host as UNREACHABLE at once; probe says not reachable; power status unknown', async () => {
    const port = await freePort();
    const dead = adapter.connect({ uri: `http://127.0.0.1:${port}/wsman`, username: 'haaas', password: PASSWORD });
    extra.push(dead);
    const started = Date.now();
    await expect(dead.startVm('web01', o())).rejects.toMatchObject({ kind: 'UNREACHABLE', operation: 'startVm' });
    expect(await dead.probe(o())).toMatchObject({ reachable: false, connectionState: 'NOT_RESPONDING' });
    expect(await dead.hostPower('status', o())).toBe('unknown');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports UNREACHABLE when the host dies between calls (the server killed)', async () => {
    const doomed = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, run: (c) => sim.handler(c) });
    const h = adapter.connect({ uri: doomed.url, username: 'haaas', password: PASSWORD });
    extra.push(h);
    expect((await h.listVms(o())).length).toBe(6);
    await doomed.close();
    const started = Date.now();
    await expect(h.listVms(o())).rejects.toMatchObject({ kind: 'UNREACHABLE' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops at the deadline with TIMEOUT when the host stalls, and deletes the shell', async () => {
    server.setHandler((c) => new Promise((resolve) => c.signal.addEventListener('abort', () => resolve({}))));
    try {
      const started = Date.now();
      await expect(host.startVm('web01', o(700))).rejects.toMatchObject({ kind: 'TIMEOUT', operation: 'startVm' });
      expect(Date.now() - started).toBeLessThan(1_500);
      await host.close(); // waits for the clean-up
      expect(server.openShells()).toEqual([]);
      expect(server.events.slice(-3).map((e) => e.action)).toContain('Delete');
    } finally {
      server.setHandler((c) => sim.handler(c));
    }
  });
});
