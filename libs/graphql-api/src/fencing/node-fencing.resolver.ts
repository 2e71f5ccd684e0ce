import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { FencingDeviceService } from '@haaas/management';
import type { FencingLevelRecord } from '@haaas/management';
import type { GraphQLContext } from '../common/loaders';
import { Node } from '../nodes/node.model';
import { FencingLevel, toFencingAssociation } from './fencing-device.model';

/** `Node.fencingTopology`, batched across all nodes of a request. */
@Resolver(() => Node)
export class NodeFencingResolver {
  constructor(private readonly devices: FencingDeviceService) {}

  @ResolveField(() => [FencingLevel], { description: 'How this node is fenced: levels in the order they are tried, each with its devices.' })
  async fencingTopology(@CurrentScope() scope: TenantScope, @Parent() node: Node, @Context() ctx: GraphQLContext): Promise<FencingLevel[]> {
    const loader = ctx.loaders.get<FencingLevelRecord[]>('fencing.nodeTopology', null, (ids) => this.devices.topologyOfNodes(scope, ids));
    return (await loader.load(node.id)).map((l) => ({ level: l.level, devices: l.associations.map(toFencingAssociation) }));
  }
}
