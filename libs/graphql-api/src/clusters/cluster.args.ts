import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';
import { ClusterFilter } from './cluster.input';

@ArgsType()
export class ClustersArgs extends ConnectionArgs {
  @Field(() => ClusterFilter, { nullable: true })
  filter?: ClusterFilter | null;
}

@ArgsType()
export class DestroyClusterArgs {
  @Field(() => ID)
  id!: string;

  @Field({ defaultValue: false, description: 'Destroy even with nodes and services, removing them too.' })
  force!: boolean;
}
