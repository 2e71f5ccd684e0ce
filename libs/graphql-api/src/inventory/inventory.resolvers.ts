import { ClusterInventoryResolver } from './cluster-inventory.resolver';
import { NodeAgentResolver } from './node-agent.resolver';
import { NodeResolver } from './node.resolver';
import { ResourceResolver } from './resource.resolver';

/** Resolvers of nodes and resources. */
export const INVENTORY_RESOLVERS = [NodeResolver, NodeAgentResolver, ResourceResolver, ClusterInventoryResolver];
