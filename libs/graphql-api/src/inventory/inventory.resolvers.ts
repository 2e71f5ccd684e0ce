import { ClusterInventoryResolver } from './cluster-inventory.resolver';
import { NodeResolver } from './node.resolver';
import { ResourceResolver } from './resource.resolver';

/** Resolvers of nodes and resources. */
export const INVENTORY_RESOLVERS = [NodeResolver, ResourceResolver, ClusterInventoryResolver];
