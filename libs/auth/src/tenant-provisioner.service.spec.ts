import { InMemoryTenantDirectory } from './in-memory-tenant.directory';
import type { TenantDirectory } from './tenant-directory.interface';
import { TenantProvisioner } from './tenant-provisioner.service';

describe('TenantProvisioner', () => {
  it('calls the directory once per tenant', async () => {
    const directory = new InMemoryTenantDirectory();
    const p = new TenantProvisioner(directory);
    for (let i = 0; i < 5; i++) await p.ensure('acme');
    await p.ensure('globex');
    expect(directory.calls).toBe(2);
    expect(p.size).toBe(2);
  });

  it('shares one call among concurrent first requests', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const directory: TenantDirectory & { calls: number } = {
      calls: 0,
      async ensureTenant() {
        directory.calls += 1;
        await gate;
      },
    };
    const p = new TenantProvisioner(directory);
    const all = Promise.all([p.ensure('acme'), p.ensure('acme'), p.ensure('acme')]);
    release();
    await all;
    expect(directory.calls).toBe(1);
  });

  it('does not remember failures', async () => {
    let fail = true;
    const directory: TenantDirectory = {
      ensureTenant: async () => {
        if (fail) throw new Error('database down');
      },
    };
    const p = new TenantProvisioner(directory);
    await expect(p.ensure('acme')).rejects.toThrow('database down');
    fail = false;
    await expect(p.ensure('acme')).resolves.toBeUndefined();
    expect(p.size).toBe(1);
  });

  it('stays bounded, dropping the least recently used tenant', async () => {
    const directory = new InMemoryTenantDirectory();
    const p = new TenantProvisioner(directory, 2);
    await p.ensure('a');
    await p.ensure('b');
    await p.ensure('a'); // a is now the most recent
    await p.ensure('c'); // evicts b
    expect(p.size).toBe(2);
    const before = directory.calls;
    await p.ensure('a');
    expect(directory.calls).toBe(before);
    await p.ensure('b');
    expect(directory.calls).toBe(before + 1);
  });

  it('forgets a tenant on request', async () => {
    const directory = new InMemoryTenantDirectory();
    const p = new TenantProvisioner(directory);
    await p.ensure('acme');
    p.forget('acme');
    await p.ensure('acme');
    expect(directory.calls).toBe(2);
  });

  it('refuses a nonsensical cache size', () => {
    expect(() => new TenantProvisioner(new InMemoryTenantDirectory(), 0)).toThrow(/positive integer/);
  });
});
