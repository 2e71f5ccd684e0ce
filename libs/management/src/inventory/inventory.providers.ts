import { NodeService } from './node.service';
import { ResourceService } from './resource.service';

/** Application services of nodes and resources. */
export const INVENTORY_SERVICES = [NodeService, ResourceService];
