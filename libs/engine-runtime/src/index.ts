// What the detector, recovery and operations share; internals (the facts lists, vm-size parsing,
// the runner's helpers) stay inside.
export { ServiceRunner, ServiceStartError, ServiceStopError, agentResource } from './service.runner';
export type { StartServiceOptions, StopServiceOptions, StartedService, StoppedService, ResourceStart, StartErrorKind, StartFailureOutcome } from './service.runner';
export { ServiceClaims, ServiceClaimedError, ClaimLostError } from './service-claims';
export type { ServiceClaim, ServiceClaimOptions, ClaimWaitOptions } from './service-claims';
export { ClusterView, loadClusterView, vmRefOf } from './cluster-view';
export type { ServiceFacts } from './cluster-view';
export { heartbeatLiveness, heardWithin, NODE_LIVENESS } from './node-liveness';
export type { HeardFrom, NodeLiveness } from './node-liveness';
export { HostSessions, adapterMessage } from './hypervisor-hosts';
export { locateVms } from './vm-locator';
export type { VmSearch, VmWhereabouts } from './vm-locator';
export { vmSizeOf, sizeFromDefinition } from './vm-size.util';
export { hypervisorAdapters, hypervisorAdapterOptions } from './hypervisor-adapters';
export type { HypervisorAdaptersOptions } from './hypervisor-adapters';
export { RECOVERY_OPTIONS, RECOVERY_REDIS, resolveRecoveryOptions } from './recovery.options';
export type { RecoveryModuleOptions, ResolvedRecoveryOptions } from './recovery.options';
