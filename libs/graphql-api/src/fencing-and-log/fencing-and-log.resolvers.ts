import { ClusterFencingAndLogResolver } from './cluster-fencing-and-log.resolver';
import { EventResolver } from './event.resolver';
import { FencingAssociationResolver } from './fencing-association.resolver';
import { FencingDeviceResolver } from './fencing-device.resolver';
import { NodeFencingResolver } from './node-fencing.resolver';
import { TenantResolver, ViewerResolver } from './tenant.resolver';

/** Resolvers of fencing devices, the cluster log and tenants. */
export const FENCING_AND_LOG_RESOLVERS = [
  FencingDeviceResolver,
  FencingAssociationResolver,
  NodeFencingResolver,
  ClusterFencingAndLogResolver,
  EventResolver,
  TenantResolver,
  ViewerResolver,
];
