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
