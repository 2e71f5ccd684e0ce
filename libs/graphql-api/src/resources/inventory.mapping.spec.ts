import { NodeKind, NodeStatus, ResourceType } from '@haaas/domain';
import type { NodeRecord, ResourceRecord } from '@haaas/management';
import { toNode } from '../nodes/node.model';
import { toResource } from './resource.model';

const at = new Date('2026-01-02T03:04:05.678Z');
const SEALED = 'v1.k1.aXY.dGFn.Y2lwaGVydGV4dA';

function nodeRecord(over: Partial<NodeRecord> = {}): NodeRecord {
  return {
    id: 'n1',
    tenantId: 't1',
    clusterId: 'c1',
    hostname: 'kvm-01.example.com',
    kind: NodeKind.PHYSICAL,
    status: NodeStatus.OFFLINE,
    maintenance: false,
    endpointUri: 'qemu+ssh://root@kvm-01/system',
    endpointUsername: 'root',
    endpointSecret: SEALED,
    checkAddress: null,
    cpus: 8,
    memoryMb: 16384,
    attributes: { z: '1', a: '2' },
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...over,
  } as NodeRecord;
}

function resourceRecord(type: ResourceType, spec: Record<string, unknown>): ResourceRecord {
  return { id: 'r1', tenantId: 't1', clusterId: 'c1', name: 'web', type, spec, serviceId: 's1', position: 0, attributes: {}, createdAt: at, updatedAt: at, version: 1 } as ResourceRecord;
}

describe('toNode', () => {
  it('turns the sealed password into hasPassword and nothing else', () => {
    const node = toNode(nodeRecord());
    expect(node.endpoint).toEqual({ uri: 'qemu+ssh://root@kvm-01/system', username: 'root', hasPassword: true });
    expect(JSON.stringify(node)).not.toContain(SEALED);
    for (const key of ['endpointSecret', 'tenantId', 'version']) expect(node).not.toHaveProperty(key);
    expect(toNode(nodeRecord({ endpointSecret: null })).endpoint.hasPassword).toBe(false);
  });

  it('maps capacity and sorts attributes by key', () => {
    const node = toNode(nodeRecord());
    expect(node.capacity).toEqual({ cpus: 8, memoryMb: 16384 });
    expect(node.attributes).toEqual([
      { key: 'a', value: '2' },
      { key: 'z', value: '1' },
    ]);
  });
});

describe('toResource', () => {
  it('sets only the spec object of its type', () => {
    const r = toResource(resourceRecord(ResourceType.IP, { address: '10.0.0.1', prefixLength: 24, interface: 'eth0' }));
    expect(r).toMatchObject({ vm: null, application: null, volume: null, ip: { address: '10.0.0.1', prefixLength: 24, interface: 'eth0' }, serviceId: 's1', position: 0 });
    const v = toResource(resourceRecord(ResourceType.VOLUME, { ref: 'lun-1', mountPoint: null, fsType: null }));
    expect(v).toMatchObject({ vm: null, ip: null, application: null, volume: { ref: 'lun-1', mountPoint: null, fsType: null } });
  });
});
