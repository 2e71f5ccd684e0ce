import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';
import { ClusterServiceFilter, ServiceFilter } from './service.input';

@ArgsType()
export class ServicesArgs extends ConnectionArgs {
  @Field(() => ServiceFilter, { nullable: true })
  filter?: ServiceFilter | null;
}

@ArgsType()
export class ClusterServicesArgs extends ConnectionArgs {
  @Field(() => ClusterServiceFilter, { nullable: true })
  filter?: ClusterServiceFilter | null;
}

@ArgsType()
export class DestroyServiceArgs {
  @Field(() => ID)
  id!: string;

  @Field({ defaultValue: false, description: 'Destroy even while it runs or is between states; whatever runs on its node is then no longer managed.' })
  force!: boolean;
}

@ArgsType()
export class RemoveServiceResourceArgs {
  @Field(() => ID)
  serviceId!: string;

  @Field(() => ID)
  resourceId!: string;
}
