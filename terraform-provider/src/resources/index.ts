/** Every resource type the provider serves. */
import type { ResourceType } from '../framework/resource';
import { clusterResource } from './cluster.resource';
import { failoverDomainResource } from './failover-domain.resource';
import { nodeResource } from './node.resource';

export const resourceTypes: readonly ResourceType[] = [clusterResource, nodeResource, failoverDomainResource];
