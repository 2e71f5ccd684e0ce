import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@haaas/devstack';
import { FenceAgentRunner, type FenceRunRequest } from './fence-agent.runner';
import { type FenceVirtd, startFenceVirtd } from './testing/fence-virtd.peer';
import { type LibvirtHost, startLibvirtHost } from './testing/libvirt-host.peer';
import { privateDir, removeDir } from './testing/peer-process.util';

/** fence_virt → fence_virtd (TCP listener, libvirt backend) → a libvirt test-driver host. */
describe('fence_virt through fence_virtd', () => {
  let host: LibvirtHost;
  let virtd: FenceVirtd;
  const runner = new FenceAgentRunner();
  const run = (action: FenceRunRequest['action'], options: Record<string, string>, extra: Partial<FenceRunRequest> = {}) =>
    runner.run({ agent: 'fence_virt', action, options, timeoutMs: 10_000, retries: 0, ...extra });

  beforeAll(async () => {
    host = await startLibvirtHost({ name: 'virthost' });
    await host.virsh('define', writeDomainXml(host.dir, 'vm1'));
    await host.virsh('start', 'vm1');
    virtd = await startFenceVirtd({ uri: host.uri });
  });
  afterAll(async () => {
    await virtd?.stop();
    await host?.stop();
  });

  it('status, off (the VM stops: virsh domstate), status off (exit 2), on', async () => {
    const vm = { ...virtd.fenceOptions(), plug: 'vm1' };
    expect(await run('status', vm)).toMatchObject({ ok: true, powerState: 'on', exitCode: 0 });
    expect(await run('off', vm)).toMatchObject({ ok: true, powerState: 'off', exitCode: 0 });
    expect(await host.domstate('vm1')).toBe('shut off');
    expect(await host.domstate('test')).toBe('running'); // only the plug was fenced
    expect(await run('status', vm)).toMatchObject({ ok: true, powerState: 'off', exitCode: 2 });
    expect(await run('on', vm)).toMatchObject({ ok: true, powerState: 'on' });
    expect(await host.domstate('vm1')).toBe('running');
  });

  it('list needs no plug and names the domains on stdout', async () => {
    const result = await run('list', virtd.fenceOptions());
    expect(result.ok).toBe(true);
    expect(result.stdout).toMatch(/^test\s+[0-9a-f-]{36} on$/m);
    expect(result.stdout).toMatch(/^vm1\s+[0-9a-f-]{36} on$/m);
  });

  it('accepts the deprecated `port` for the plug', async () => {
    expect(await run('status', { ...virtd.fenceOptions(), port: 'test' })).toMatchObject({ ok: true, powerState: 'on' });
  });

  it('the wrong key is AUTH_FAILED, a missing key file BAD_CONFIG, no daemon UNREACHABLE', async () => {
    const dir = privateDir('fence-virt-keys');
    try {
      const wrongKey = join(dir, 'wrong.key');
      writeFileSync(wrongKey, randomBytes(512), { mode: 0o600 });
      await expect(run('off', { ...virtd.fenceOptions(), key_file: wrongKey, plug: 'vm1' })).rejects.toMatchObject({ kind: 'AUTH_FAILED' });
      expect(await host.domstate('vm1')).toBe('running');
      await expect(run('off', { ...virtd.fenceOptions(), key_file: join(dir, 'none.key'), plug: 'vm1' })).rejects.toMatchObject({ kind: 'BAD_CONFIG' });
      const started = Date.now();
      await expect(run('status', { ...virtd.fenceOptions(), ipport: String(await freePort()), plug: 'vm1' })).rejects.toMatchObject({ kind: 'UNREACHABLE' });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      removeDir(dir);
    }
  });
});

function writeDomainXml(dir: string, name: string): string {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, `<domain type='test'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n`);
  return file;
}
