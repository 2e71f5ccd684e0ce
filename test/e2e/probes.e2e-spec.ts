import { startLibvirtHosts, LibvirtHosts } from '@haaas/adapter-kvm/testing';
import { startTestApi, TestApi } from './support/api';

/**
 * probeNode against real libvirt test-driver hosts (one of them requiring a SASL login), with
 * every byte the API writes to stdout/stderr captured, to show the node's password never leaves.
 */
describe('probeNode on KVM hosts', () => {
  const password = 'Pr0be-S3cret-' + Math.random().toString(36).slice(2);
  let hosts: LibvirtHosts;
  let api: TestApi;
  let token: string;
  let clusterId: string;
  const output: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

  beforeAll(async () => {
    hosts = await startLibvirtHosts({ hosts: ['open', { name: 'locked', auth: { username: 'haaas', password } }] });
    // capture what the API logs from here on
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (output.push(String(chunk)), originals.out(chunk, ...rest))) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (output.push(String(chunk)), originals.err(chunk, ...rest))) as typeof process.stderr.write;
    api = await startTestApi({}, { logs: true });
    token = await api.token('probe-co');
    const r = await api.ok<{ createCluster: { id: string } }>(token, `mutation { createCluster(input: { name: "kvm", hypervisor: KVM }) { id } }`);
    clusterId = r.createCluster.id;
  });
  afterAll(async () => {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
    await api?.close();
    await hosts?.stop();
  });

  const join = async (hostname: string, uri: string, username?: string, pass?: string) =>
    (
      await api.ok<{ joinNode: { id: string } }>(token, `mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
        i: { clusterId, hostname, kind: 'PHYSICAL', endpoint: { uri, username, password: pass }, capacity: { cpus: 4, memoryMb: 8192 } },
      })
    ).joinNode.id;
  const PROBE = `mutation($id: ID!) { probeNode(id: $id) { nodeId reachable connectionState latencyMs details { key value } error { kind message } } }`;
  type Probe = { probeNode: { reachable: boolean; connectionState: string; latencyMs: number; error: { kind: string; message: string } | null } };

  it('reports a live host as reachable and connected, and logs the probe', async () => {
    const id = await join('open.example.com', hosts.host('open').uri);
    const { probeNode } = await api.ok<Probe>(token, PROBE, { id });
    expect(probeNode).toMatchObject({ reachable: true, connectionState: 'CONNECTED', error: null });
    const log = await api.ok<{ clusterLog: { nodes: { type: string; nodeId: string }[] } }>(
      token,
      `query($c: ID!) { clusterLog(clusterId: $c, filter: { types: ["node.probed"] }) { nodes { type nodeId } } }`,
      { c: clusterId },
    );
    expect(log.clusterLog.nodes).toEqual([{ type: 'node.probed', nodeId: id }]);
  });

  it('logs in with the stored credentials, and tells a wrong password as AUTH_FAILED', async () => {
    const good = await join('locked.example.com', hosts.host('locked').uri, 'haaas', password);
    expect((await api.ok<Probe>(token, PROBE, { id: good })).probeNode).toMatchObject({ reachable: true, error: null });
    const bad = await join('locked2.example.com', hosts.host('locked').uri, 'haaas', `${password}-wrong`);
    expect((await api.ok<Probe>(token, PROBE, { id: bad })).probeNode).toMatchObject({ reachable: false, error: { kind: 'AUTH_FAILED' } });
  });

  it('reports a crashed host as UNREACHABLE, quickly', async () => {
    const id = await join('crash.example.com', hosts.host('open').uri);
    await hosts.kill('open');
    const started = Date.now();
    const { probeNode } = await api.ok<Probe>(token, PROBE, { id });
    expect(probeNode).toMatchObject({ reachable: false, error: { kind: 'UNREACHABLE' } });
    expect(Date.now() - started).toBeLessThan(10_000); // the deadline is 15 s: unreachable must not wait for it
  });

  it('never lets the node password out: not in responses, events or logs', async () => {
    const everything = await api.gql(
      token,
      `query($c: ID!) { cluster(id: $c) { nodes { nodes { hostname endpoint { uri username hasPassword } } } log(first: 200) { nodes { type before after message } } } }`,
      { c: clusterId },
    );
    expect(JSON.stringify(everything)).not.toContain(password);
    expect(JSON.stringify(everything)).toContain('"hasPassword":true');
    expect(output.join('')).not.toContain(password);
    expect(output.length).toBeGreaterThan(0); // the API did log (start-up at least): the check above read something
  });
});
