export { NodeService, nodeSnapshot, nodeSecretContext } from './node.service';
export type { JoinNode, UpdateNode, UpdateNodeEndpoint, NodeFilter, ClusterNodeFilter, NodeCredentials } from './node.service';
export { ResourceService } from './resource.service';
export type { CreateResource, UpdateResource, ResourceFilter, ClusterResourceFilter } from './resource.service';
export { readResourceSpec, SPEC_FIELD } from './resource-spec';
export type { ResourceSpecs, ResourceSpecInput, VmSpec, IpSpec, ApplicationSpec, VolumeSpec } from './resource-spec';
export { ENDPOINT_SCHEMES, MAX_CPUS, MAX_MEMORY_MB } from './node.validation';
export type { EndpointInput, CapacityInput } from './node.validation';
