import { startLibvirtHosts, LibvirtHosts } from '@haaas/adapter-kvm/testing';
import { IpmiBmc, startIpmiBmc } from '@haaas/fencing/testing';
import { startTestApi, TestApi } from './support/api';

/**
 * Fencing devices through the API against real peers: the agents' own metadata as device types,
 * validation against it, and harmless tests of devices (fence_ipmilan against ipmi_sim; the
 * built-in libvirt device against a libvirt host), with the API's logs grepped for the secrets.
 */
describe('fencing devices against real BMCs and hypervisors', () => {
  const bmcPassword = 'bmcPw' + Math.random().toString(36).slice(2, 10);
  let bmc: IpmiBmc;
  let hosts: LibvirtHosts;
  let api: TestApi;
  let token: string;
  let clusterId: string;
  let nodeId: string;
  const output: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

  beforeAll(async () => {
    [bmc, hosts] = await Promise.all([startIpmiBmc({ name: 'api-bmc', user: 'admin', password: bmcPassword }), startLibvirtHosts({ hosts: ['hv'] })]);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (output.push(String(chunk)), originals.out(chunk, ...rest))) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (output.push(String(chunk)), originals.err(chunk, ...rest))) as typeof process.stderr.write;
    api = await startTestApi({}, { logs: true });
    token = await api.token('fence-co');
    clusterId = (await api.ok<{ createCluster: { id: string } }>(token, `mutation { createCluster(input: { name: "dc", hypervisor: KVM }) { id } }`)).createCluster.id;
    nodeId = (
      await api.ok<{ joinNode: { id: string } }>(token, `mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
        i: { clusterId, hostname: 'n1.example.com', kind: 'PHYSICAL', endpoint: { uri: 'qemu+ssh://n1.example.com/system' }, capacity: { cpus: 8, memoryMb: 16384 } },
      })
    ).joinNode.id;
  });
  afterAll(async () => {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
    await api?.close();
    await Promise.all([bmc?.stop(), hosts?.stop()]);
  });

  const ADD = `mutation($i: AddFencingDeviceInput!) { addFencingDevice(input: $i) { id secretOptionKeys } }`;
  const ASSOCIATE = `mutation($i: AssociateFencingDeviceInput!) { associateFencingDevice(input: $i) { id } }`;
  const TEST = `mutation($id: ID!, $node: ID) { testFencingDevice(id: $id, nodeId: $node) { action ok powerState latencyMs attempts error { kind message } output } }`;
  type Test = { testFencingDevice: { action: string; ok: boolean; powerState: string; latencyMs: number; error: { kind: string; message: string } | null; output: string } };

  it("lists the installed agents and describes one from its own metadata, marking secrets", async () => {
    const list = await api.ok<{ fenceAgents: { name: string }[] }>(token, `{ fenceAgents { name } }`);
    const names = list.fenceAgents.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['fence_ipmilan', 'fence_redfish', 'fence_virt', 'builtin:libvirt']));
    expect(names.length).toBeGreaterThan(40);
    const one = await api.ok<{ fenceAgent: { parameters: { name: string; secret: boolean; required: boolean; type: string }[] } }>(
      token,
      `{ fenceAgent(name: "fence_ipmilan") { shortdesc actions parameters { name type required secret } } }`,
    );
    const byName = new Map(one.fenceAgent.parameters.map((p) => [p.name, p]));
    expect(byName.get('password')?.secret).toBe(true);
    expect(byName.get('ip')?.secret).toBe(false);
    expect(byName.get('lanplus')?.type).toBe('boolean');
    const missing = await api.gql(token, `{ fenceAgent(name: "fence_nonesuch") { name } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it("refuses options the agent does not have, or values of the wrong type, naming the field", async () => {
    const res = await api.gql(token, ADD, {
      i: { clusterId, name: 'typo', agent: 'fence_ipmilan', options: [{ key: 'ip', value: '127.0.0.1' }, { key: 'pasword', value: 'x' }, { key: 'ipport', value: 'not-a-port' }] },
    });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const fields = (res.errors?.[0]?.extensions?.['problems'] as { field: string }[]).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['options[1].key', 'options[2].value']));
    const unknown = await api.gql(token, ADD, { i: { clusterId, name: 'nope', agent: 'fence_nonesuch' } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'agent' }] });
  });

  it('tests an IPMI device against ipmi_sim: power status of the node, and monitor of the device', async () => {
    const o = bmc.fenceOptions();
    const { addFencingDevice } = await api.ok<{ addFencingDevice: { id: string; secretOptionKeys: string[] } }>(token, ADD, {
      i: {
        clusterId,
        name: 'bmc1',
        agent: 'fence_ipmilan',
        options: Object.entries(o)
          .filter(([k]) => k !== 'password')
          .map(([key, value]) => ({ key, value })),
        secretOptions: [{ key: 'password', value: bmcPassword }],
      },
    });
    expect(addFencingDevice.secretOptionKeys).toEqual(['password']);
    await api.ok(token, ASSOCIATE, { i: { deviceId: addFencingDevice.id, nodeId, level: 1 } });
    const status = await api.ok<Test>(token, TEST, { id: addFencingDevice.id, node: nodeId });
    expect(status.testFencingDevice).toMatchObject({ action: 'status', ok: true, powerState: 'on', error: null });
    expect(status.testFencingDevice.latencyMs).toBeGreaterThan(0);
    const monitor = await api.ok<Test>(token, TEST, { id: addFencingDevice.id });
    expect(monitor.testFencingDevice).toMatchObject({ action: 'monitor', ok: true });
    expect(bmc.power()).toBe('on'); // a test never fences
  });

  it('tells a wrong BMC password as AUTH_FAILED, and a dead BMC quickly', async () => {
    const o = bmc.fenceOptions();
    const add = async (name: string, options: Record<string, string>, password: string) =>
      (
        await api.ok<{ addFencingDevice: { id: string } }>(token, ADD, {
          i: { clusterId, name, agent: 'fence_ipmilan', options: Object.entries(options).filter(([k]) => k !== 'password').map(([key, value]) => ({ key, value })), secretOptions: [{ key: 'password', value: password }] },
        })
      ).addFencingDevice.id;
    const wrong = await add('wrong-pw', o, `${bmcPassword}x`);
    const r1 = await api.ok<Test>(token, TEST, { id: wrong });
    expect(r1.testFencingDevice).toMatchObject({ ok: false, error: { kind: 'AUTH_FAILED' } });
    const dead = await add('dead', { ...o, ipport: '9' }, bmcPassword);
    const started = Date.now();
    const r2 = await api.ok<Test>(token, TEST, { id: dead });
    expect(r2.testFencingDevice.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('tests a built-in libvirt device against a libvirt host', async () => {
    const { addFencingDevice } = await api.ok<{ addFencingDevice: { id: string } }>(token, ADD, {
      i: { clusterId, name: 'hv-builtin', agent: 'builtin:libvirt', options: [{ key: 'uri', value: hosts.host('hv').uri }] },
    });
    await api.ok(token, ASSOCIATE, { i: { deviceId: addFencingDevice.id, nodeId, level: 2, options: [{ key: 'plug', value: 'test' }] } });
    const status = await api.ok<Test>(token, TEST, { id: addFencingDevice.id, node: nodeId });
    expect(status.testFencingDevice).toMatchObject({ action: 'status', ok: true, powerState: 'on', error: null });
    await hosts.virsh('hv', ['destroy', 'test']);
    const off = await api.ok<Test>(token, TEST, { id: addFencingDevice.id, node: nodeId });
    expect(off.testFencingDevice).toMatchObject({ ok: true, powerState: 'off' });
  });

  it('logs every test, and never lets a BMC password out: not in responses, events or logs', async () => {
    const everything = await api.gql(
      token,
      `query($c: ID!) { cluster(id: $c) { fencingDevices { nodes { name options { key value } secretOptionKeys } } log(first: 200) { nodes { type before after message } } } }`,
      { c: clusterId },
    );
    const body = JSON.stringify(everything);
    expect(body).toContain('fencing_device.tested');
    expect(body).not.toContain(bmcPassword);
    expect(output.join('')).not.toContain(bmcPassword);
    expect(output.join('')).toContain('fence_ipmilan'); // the runner did log its attempts: the grep read them
  });
});
