import { ensureDebianPackages } from '@haaas/devstack';
import type { AgentMetadata } from './agent-metadata.parser';
import { FenceAgentCatalog } from './fence-agent.catalog';
import { FENCE_VIRTD_PACKAGES } from './testing/fence-virtd.peer';
import { IPMI_PACKAGES } from './testing/ipmi-bmc.peer';

/** The catalog against the fence agents installed on this machine (Debian's fence-agents, fence-virt). */
describe('FenceAgentCatalog (installed agents)', () => {
  const catalog = new FenceAgentCatalog();
  const secrets = (m: AgentMetadata) => m.parameters.filter((p) => p.secret).map((p) => p.name).sort();
  const param = (m: AgentMetadata, name: string) => m.parameters.find((p) => p.name === name);

  beforeAll(async () => {
    await ensureDebianPackages([...Object.keys(IPMI_PACKAGES), ...Object.keys(FENCE_VIRTD_PACKAGES)], { binaries: { ...IPMI_PACKAGES, ...FENCE_VIRTD_PACKAGES } });
  });

  it('lists the agents, without the helpers that are not agents', async () => {
    const agents = await catalog.listAgents();
    expect(agents).toEqual(expect.arrayContaining(['fence_ipmilan', 'fence_redfish', 'fence_vmware_rest', 'fence_virt', 'fence_xvm', 'fence_idrac']));
    expect(agents).not.toContain('fence_virtd');
    expect(agents).not.toContain('fence_ack_manual');
    expect(agents.length).toBeGreaterThan(50);
    expect(await catalog.has('fence_ipmilan')).toBe(true);
    expect(await catalog.has('fence_virtd')).toBe(false);
    expect(await catalog.has('fence_nope')).toBe(false);
  });

  it('fence_ipmilan: parameters, aliases, types, secrets, actions', async () => {
    const m = await catalog.describe('fence_ipmilan');
    expect(m).toMatchObject({ name: 'fence_ipmilan', shortdesc: 'Fence agent for IPMI', optionSyntax: 'fencing-py' });
    expect(m.symlinks).toEqual(expect.arrayContaining(['fence_idrac', 'fence_ilo3']));
    expect(m.actions).toEqual(expect.arrayContaining(['on', 'off', 'reboot', 'status', 'monitor']));
    expect(m.actions).not.toContain('list');
    expect(param(m, 'ipport')).toMatchObject({ type: 'integer', default: '623', required: false });
    expect(param(m, 'lanplus')).toMatchObject({ type: 'boolean', default: '0' });
    expect(param(m, 'privlvl')).toMatchObject({ type: 'select', choices: ['callback', 'user', 'operator', 'administrator'] });
    expect(param(m, 'ip')).toMatchObject({ obsoletes: 'ipaddr', deprecated: false });
    expect(param(m, 'ipaddr')).toMatchObject({ deprecated: true });
    expect(param(m, 'power_timeout')).toMatchObject({ type: 'second', default: '20' });
    expect(secrets(m)).toEqual(['hexadecimal_kg', 'passwd', 'passwd_script', 'password', 'password_script']);
  });

  it('fence_redfish, fence_vmware_rest: password parameters are secret, logins are not', async () => {
    for (const agent of ['fence_redfish', 'fence_vmware_rest']) {
      const m = await catalog.describe(agent);
      expect(secrets(m)).toEqual(expect.arrayContaining(['passwd', 'password', 'password_script']));
      expect(param(m, 'username')?.secret).toBe(false);
    }
    expect(param(await catalog.describe('fence_vmware_rest'), 'ip')?.required).toBe(true);
    expect(param(await catalog.describe('fence_vmware_rest'), 'plug')).toMatchObject({ required: true, obsoletes: 'port' });
    expect(param(await catalog.describe('fence_redfish'), 'systems_uri')).toBeDefined();
  });

  it('fence_virt (a C agent): exact option names, the key file is secret, it can list', async () => {
    const m = await catalog.describe('fence_virt');
    expect(m.optionSyntax).toBe('exact');
    expect(param(m, 'key_file')).toMatchObject({ secret: true, default: '/etc/cluster/fence_xvm.key' });
    expect(param(m, 'plug')).toMatchObject({ required: true, obsoletes: 'port' });
    expect(m.actions).toEqual(expect.arrayContaining(['on', 'off', 'reboot', 'status', 'list', 'monitor']));
  });

  it('caches metadata: the second describe costs no process', async () => {
    const fresh = new FenceAgentCatalog();
    const t0 = performance.now();
    const first = await fresh.describe('fence_redfish');
    const uncached = performance.now() - t0;
    const t1 = performance.now();
    const second = await fresh.describe('fence_redfish');
    const cached = performance.now() - t1;
    expect(second).toBe(first);
    expect(uncached).toBeGreaterThan(20); // a Python agent starting
    expect(cached).toBeLessThan(uncached / 3);
  });

  it('reads every installed agent\'s metadata', async () => {
    const { agents, failed } = await catalog.describeAll(4);
    expect(failed).toEqual([]);
    expect(agents.length).toBe((await catalog.listAgents()).length);
    for (const m of agents) {
      expect(m.parameters.length).toBeGreaterThan(0);
      expect(m.actions.length).toBeGreaterThan(0);
    }
    // every agent with a password has it marked secret
    for (const m of agents) {
      for (const p of m.parameters.filter((q) => /^(password|passwd)$/.test(q.name))) expect(p.secret).toBe(true);
    }
  }, 60_000);

  it('validateOptions: the agents\' aliases are accepted, the rest named', async () => {
    const ok = { ip: '10.0.0.5', username: 'admin', password: 'x', lanplus: '1', cipher: '3' };
    expect(await catalog.validateOptions('fence_ipmilan', ok)).toEqual([]);
    expect(await catalog.validateOptions('fence_ipmilan', { ipaddr: '10.0.0.5', login: 'admin', passwd: 'x', 'power-wait': '0', 'ipmitool-path': '/usr/bin/ipmitool' })).toEqual([]);
    expect(await catalog.validateOptions('fence_vmware_rest', { ip: 'vc', username: 'u', password: undefined, plug: 'vm-7', ssl_insecure: '1' })).toEqual([]);

    const problems = await catalog.validateOptions('fence_ipmilan', { ...ok, ipaddr: '10.0.0.6', privlvl: 'root', ipport: 'sixtwothree', lanplus: 'si', pasword: 'y' });
    expect(problems.map((p) => `${p.option}:${p.code}`)).toEqual(['lanplus:BAD_TYPE', 'ipaddr:DUPLICATE', 'privlvl:BAD_CHOICE', 'ipport:BAD_TYPE', 'pasword:UNKNOWN']);
    expect((await catalog.validateOptions('fence_vmware_rest', { username: 'u' })).map((p) => `${p.option}:${p.code}`)).toEqual(['ip:MISSING_REQUIRED', 'plug:MISSING_REQUIRED']);
    expect((await catalog.validateOptions('fence_vmware_rest', { ip: 'vc', username: 'u' }, { action: 'list' })).map((p) => p.code)).toEqual([]);
    expect(await catalog.validateOptions('fence_virt', { PLUG: 'vm1', ipaddr: '127.0.0.1', timeout: '5' })).toEqual([]);
    expect((await catalog.validateOptions('fence_virt', { plug: 'vm1', port: 'vm2' })).map((p) => p.code)).toEqual(['DUPLICATE']);
    expect(await catalog.validateOptions('fence_nope', {})).toEqual([{ option: 'agent', code: 'UNKNOWN', message: 'unknown fence agent "fence_nope"' }]);
  });
});
