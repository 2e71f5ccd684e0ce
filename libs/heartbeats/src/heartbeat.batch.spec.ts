import { type ClusterBeats, HeartbeatBatch } from './heartbeat.batch';
import type { HeartbeatReport } from './heartbeat.types';

const report: HeartbeatReport = { sentAt: 1, bootTime: 0, agentVersion: 't', checks: {} };
const node = (clusterId: string, nodeId: string) => ({ tenantId: 't1', clusterId, nodeId });
const turn = () => new Promise((r) => setImmediate(r));

describe('HeartbeatBatch', () => {
  it('writes the beats of one turn as one call per cluster, and settles each beat after its call', async () => {
    const calls: ClusterBeats[] = [];
    let release: (v: number) => void = () => undefined;
    const batch = new HeartbeatBatch((g) => {
      calls.push(g);
      return g.clusterId === 'a' ? new Promise<number>((r) => (release = r)) : Promise.resolve(7);
    }, 100);
    const settled: string[] = [];
    const beats = [node('a', 'n1'), node('b', 'n2'), node('a', 'n3')].map((n) => batch.add(n, report).then((at) => settled.push(`${n.nodeId}@${at}`)));
    expect(calls).toHaveLength(0);
    await turn();
    expect(calls.map((c) => [c.clusterId, c.beats.map((b) => b.nodeId)])).toEqual([
      ['a', ['n1', 'n3']],
      ['b', ['n2']],
    ]);
    await turn();
    expect(settled).toEqual(['n2@7']);
    release(9);
    await Promise.all(beats);
    expect(settled.sort()).toEqual(['n1@9', 'n2@7', 'n3@9']);
  });

  it('writes at once when maxBeats are waiting', async () => {
    const calls: ClusterBeats[] = [];
    const batch = new HeartbeatBatch((g) => (calls.push(g), Promise.resolve(1)), 3);
    const beats = ['n1', 'n2', 'n3', 'n4'].map((id) => batch.add(node('a', id), report));
    expect(calls.map((c) => c.beats.length)).toEqual([3]);
    await Promise.all(beats);
    expect(calls.map((c) => c.beats.length)).toEqual([3, 1]);
  });

  it('fails every beat of a failed call, and only those', async () => {
    const batch = new HeartbeatBatch((g) => {
      if (g.clusterId === 'bad') throw new Error('redis down');
      return Promise.resolve(5);
    }, 100);
    const results = await Promise.allSettled([batch.add(node('bad', 'x'), report), batch.add(node('ok', 'y'), report), batch.add(node('bad', 'z'), report)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['redis down', 5, 'redis down']);
  });
});
