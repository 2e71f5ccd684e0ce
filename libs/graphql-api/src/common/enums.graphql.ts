import { registerEnumType } from '@nestjs/graphql';
import { ClusterState, HeartbeatSource, Hypervisor, NodeKind, NodeStatus, RecoveryAction, ResourceType, ServiceState } from '@haaas/domain';

// The domain's enums, published in the schema under the same names and values.
registerEnumType(Hypervisor, { name: 'Hypervisor' });
registerEnumType(ClusterState, { name: 'ClusterState', description: 'HA state: STOPPED (inactive), STARTED, SUSPENDED (monitoring paused).' });
registerEnumType(HeartbeatSource, {
  name: 'HeartbeatSource',
  description: 'Where node liveness comes from: AGENT (node agents, with isolation checks), MANAGER (the hypervisor manager, no agents: vCenter for vSphere, a WinRM liveness command per host for Hyper-V), BOTH (alive while either says so).',
});
registerEnumType(NodeKind, { name: 'NodeKind' });
registerEnumType(NodeStatus, { name: 'NodeStatus' });
registerEnumType(ResourceType, { name: 'ResourceType' });
registerEnumType(RecoveryAction, { name: 'RecoveryAction' });
registerEnumType(ServiceState, { name: 'ServiceState' });
