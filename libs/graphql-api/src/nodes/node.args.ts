import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';
import { ClusterNodeFilter, NodeFilter } from './node.input';

@ArgsType()
export class NodesArgs extends ConnectionArgs {
  @Field(() => NodeFilter, { nullable: true })
  filter?: NodeFilter | null;
}

@ArgsType()
export class ClusterNodesArgs extends ConnectionArgs {
  @Field(() => ClusterNodeFilter, { nullable: true })
  filter?: ClusterNodeFilter | null;
}

@ArgsType()
export class LeaveNodeArgs {
  @Field(() => ID)
  id!: string;

  @Field({ defaultValue: false, description: 'Leave even while services run on it or failover domains list it: they lose it.' })
  force!: boolean;
}

@ArgsType()
export class SetNodeMaintenanceArgs {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'true: MAINTENANCE; false: back to OFFLINE until the node is heard from.' })
  enabled!: boolean;
}
