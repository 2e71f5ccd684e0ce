import { join } from 'node:path';
import { readPidFile } from '@haaas/devstack';
import { FenceAgentRunner } from './fence-agent.runner';
import { type IpmiLibvirtBridge, startIpmiLibvirtBridge } from './testing/ipmi-libvirt-bridge.peer';
import { type LibvirtHost, startLibvirtHost } from './testing/libvirt-host.peer';
import { type SimulatedHost, startSimulatedHost } from './testing/simulated-host.peer';

const runner = new FenceAgentRunner();
const ipmi = (options: Record<string, string>, action: 'on' | 'off' | 'reboot' | 'status') =>
  runner.run({ agent: 'fence_ipmilan', action, options, timeoutMs: 10_000, retries: 0 });

/** A host = (libvirtd, BMC): fencing it through IPMI really takes its hypervisor down. */
describe('simulated host: IPMI power is the libvirtd\'s life', () => {
  let sim: SimulatedHost;
  beforeAll(async () => {
    sim = await startSimulatedHost({ name: 'node1', password: 'node1-bmc-pw' });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('off kills the host\'s libvirtd, on brings it back with a fresh test driver', async () => {
    expect(await sim.host.domstate('test')).toBe('running');
    await sim.host.virsh('destroy', 'test'); // a state the restart must forget
    expect(await sim.host.domstate('test')).toBe('shut off');

    expect(await ipmi(sim.bmc.fenceOptions(), 'off')).toMatchObject({ ok: true, powerState: 'off' });
    expect(sim.host.isRunning()).toBe(false);
    expect(await sim.host.isUp()).toBe(false);
    await expect(sim.host.virsh('list')).rejects.toThrow(/Failed to connect socket|failed to connect/);
    expect(await ipmi(sim.bmc.fenceOptions(), 'status')).toMatchObject({ powerState: 'off', exitCode: 2 });

    expect(await ipmi(sim.bmc.fenceOptions(), 'on')).toMatchObject({ ok: true, powerState: 'on' });
    await sim.host.waitUntilUp();
    expect(await sim.host.domstate('test')).toBe('running');
  });

  it('reboot is a power cycle: a new libvirtd process', async () => {
    const before = readPidFile(join(sim.host.dir, 'libvirtd.pid'));
    expect(await ipmi(sim.bmc.fenceOptions(), 'reboot')).toMatchObject({ ok: true, powerState: 'on' });
    await sim.host.waitUntilUp();
    const after = readPidFile(join(sim.host.dir, 'libvirtd.pid'));
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(sim.host.isRunning()).toBe(true);
  });
});

/** pyghmi's virshbmc: an IPMI fence that visibly stops one libvirt domain. */
describe('IPMI fencing of a libvirt VM through the pyghmi bridge', () => {
  let host: LibvirtHost;
  let bridge: IpmiLibvirtBridge;
  beforeAll(async () => {
    host = await startLibvirtHost({ name: 'vmhost' });
    bridge = await startIpmiLibvirtBridge({ uri: host.uri, domain: 'test', password: 'vm-bmc-pw' });
  });
  afterAll(async () => {
    await bridge?.stop();
    await host?.stop();
  });

  it('status on, off stops the VM (virsh domstate), status off, on starts it', async () => {
    expect(await ipmi(bridge.fenceOptions(), 'status')).toMatchObject({ ok: true, powerState: 'on' });
    expect(await ipmi(bridge.fenceOptions(), 'off')).toMatchObject({ ok: true, powerState: 'off' });
    expect(await host.domstate('test')).toBe('shut off');
    expect(await ipmi(bridge.fenceOptions(), 'status')).toMatchObject({ ok: true, powerState: 'off', exitCode: 2 });
    expect(await ipmi(bridge.fenceOptions(), 'on')).toMatchObject({ ok: true, powerState: 'on' });
    expect(await host.domstate('test')).toBe('running');
  });

  it('a wrong password is AUTH_FAILED and leaves the VM running; neither password is in the error', async () => {
    const error: unknown = await ipmi({ ...bridge.fenceOptions(), password: 'wr0ng-pw' }, 'off').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'AUTH_FAILED' });
    expect(await host.domstate('test')).toBe('running');
    const seen = JSON.stringify({ error, result: (error as { result?: unknown }).result, message: (error as Error).message });
    expect(seen).not.toContain('wr0ng-pw');
    expect(seen).not.toContain(bridge.password);
  });
});
