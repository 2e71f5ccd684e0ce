import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';
import { ClusterResourceFilter, ResourceFilter } from './resource.input';

@ArgsType()
export class ResourcesArgs extends ConnectionArgs {
  @Field(() => ResourceFilter, { nullable: true })
  filter?: ResourceFilter | null;
}

@ArgsType()
export class ClusterResourcesArgs extends ConnectionArgs {
  @Field(() => ClusterResourceFilter, { nullable: true })
  filter?: ClusterResourceFilter | null;
}

@ArgsType()
export class DestroyResourceArgs {
  @Field(() => ID)
  id!: string;

  @Field({ defaultValue: false, description: 'Destroy even while it belongs to a service (it leaves the service).' })
  force!: boolean;
}
