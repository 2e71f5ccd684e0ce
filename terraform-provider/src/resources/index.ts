/** Every resource type the provider serves. */
import type { ResourceType } from '../framework/resource';
import { clusterHaResource } from './cluster-ha.resource';
import { clusterResource } from './cluster.resource';
import { failoverDomainResource } from './failover-domain.resource';
import { fencingAssociationResource } from './fencing-association.resource';
import { fencingDeviceResource } from './fencing-device.resource';
import { nodeAgentTokenResource } from './node-agent-token.resource';
import { nodeResource } from './node.resource';
import { resourceResource } from './resource.resource';
import { serviceResource } from './service.resource';

export const resourceTypes: readonly ResourceType[] = [
  clusterResource,
  clusterHaResource,
  nodeResource,
  fencingDeviceResource,
  fencingAssociationResource,
  failoverDomainResource,
  resourceResource,
  serviceResource,
  nodeAgentTokenResource,
];
