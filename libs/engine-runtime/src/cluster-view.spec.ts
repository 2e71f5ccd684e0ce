import { ClusterState, Hypervisor, NodeKind, NodeStatus, placeService } from '@haaas/domain';
import type { ClusterEntity, NodeEntity } from '@haaas/persistence';
import { ClusterView } from './cluster-view';

const cluster = { id: 'c', state: ClusterState.STARTED, hypervisor: Hypervisor.KVM } as unknown as ClusterEntity;
const node = (id: string, reserved: boolean): NodeEntity =>
  ({ id, clusterId: 'c', hostname: `${id}.example`, kind: NodeKind.PHYSICAL, status: NodeStatus.ONLINE, maintenance: false, cpus: 16, memoryMb: 65536, reserved }) as unknown as NodeEntity;

describe('the cluster as recovery places services on it', () => {
  it('keeps spare hosts (nodes.reserved) last: a service goes to an ordinary node while one fits', () => {
    const view = new ClusterView(cluster, [node('a-spare', true), node('b-ordinary', false)], [], [], new Map());
    const nodes = view.placementNodes();
    expect(nodes.map((n) => [n.id, n.reserved])).toEqual([
      ['a-spare', true],
      ['b-ordinary', false],
    ]);
    const placed = placeService({ id: 's', priority: 500, domain: null, antiAffinityGroup: null, cpus: 1, memoryMb: 512 }, nodes);
    expect(placed.candidates.map((c) => c.nodeId)).toEqual(['b-ordinary', 'a-spare']);
  });
});

describe('liveness after the control plane lost its heartbeats', () => {
  const c = { ...cluster, deadtimeSeconds: 10 } as unknown as ClusterEntity;
  const nodes = [node('b', false), node('c', false)];
  const view = (heard: ConstructorParameters<typeof ClusterView>[7]): ClusterView => new ClusterView(c, nodes, [], [], new Map(), new Map(), undefined, heard);

  it('a node not heard from since the record began less than a deadtime ago is unknown, not a target yet', () => {
    const v = view({ nowMs: 100_000, recordSinceMs: 97_000, lastSeenMs: new Map([['b', 99_000]]) });
    expect(v.livenessUnknown()).toEqual({ nodeIds: ['c'], waitMs: 7_000 });
    expect(v.placementNodes().map((n) => [n.id, n.suspect])).toEqual([
      ['b', false],
      ['c', true],
    ]);
    // asked as if it had beaten: a candidate, so placement waits for it instead of failing the service
    expect(v.placementNodes(new Set(['c'])).map((n) => n.suspect)).toEqual([false, false]);
  });

  it('the wait is bounded: a deadtime after the record began, a silent node is suspect', () => {
    expect(view({ nowMs: 110_000, recordSinceMs: 100_000, lastSeenMs: new Map() }).livenessUnknown()).toBeNull();
    expect(view({ nowMs: 109_999, recordSinceMs: 100_000, lastSeenMs: new Map() }).livenessUnknown()).toEqual({ nodeIds: ['b', 'c'], waitMs: 1 });
  });

  it('a node heard from before, now silent, is known silent (never unknown)', () => {
    expect(view({ nowMs: 100_000, recordSinceMs: 50_000, lastSeenMs: new Map([['b', 60_000], ['c', 99_000]]) }).livenessUnknown()).toBeNull();
    expect(view({ nowMs: 100_000, lastSeenMs: new Map() }).livenessUnknown()).toBeNull();
  });
});
