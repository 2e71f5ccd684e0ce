import { ClusterState, Hypervisor, NodeKind, NodeStatus, RecoveryAction, ResourceType, ServiceState } from './enums';

describe('enums', () => {
  it.each([
    ['Hypervisor', Hypervisor],
    ['NodeKind', NodeKind],
    ['NodeStatus', NodeStatus],
    ['ClusterState', ClusterState],
    ['ResourceType', ResourceType],
    ['RecoveryAction', RecoveryAction],
    ['ServiceState', ServiceState],
  ])('%s stores the same word as its name (database and API agree)', (_name, e) => {
    for (const [k, v] of Object.entries(e)) expect(v).toBe(k);
  });

  it('node statuses are those of seed 001 and the design brief', () => {
    expect(Object.values(NodeStatus).sort()).toEqual(
      ['ONLINE', 'FAILED', 'NETWORK_ISOLATED', 'STORAGE_ISOLATED', 'EXCLUDED', 'UNSTABLE', 'MAINTENANCE', 'FENCED', 'OFFLINE'].sort(),
    );
  });

  it('hypervisors, resource types and recovery actions are the designed sets', () => {
    expect(Object.values(Hypervisor)).toEqual(['VSPHERE', 'KVM', 'HYPERV']);
    expect(Object.values(ResourceType)).toEqual(['VM', 'IP', 'APPLICATION', 'VOLUME']);
    expect(Object.values(RecoveryAction)).toEqual(['RESTART', 'RELOCATE', 'DISABLE']);
    expect(Object.values(ClusterState)).toEqual(['STOPPED', 'STARTED', 'SUSPENDED']);
  });
});
