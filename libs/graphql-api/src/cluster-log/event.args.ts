import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';
import { EventFilter } from './event.input';

@ArgsType()
export class ClusterLogFieldArgs extends ConnectionArgs {
  @Field(() => EventFilter, { nullable: true })
  filter?: EventFilter | null;
}

@ArgsType()
export class ClusterLogArgs extends ClusterLogFieldArgs {
  @Field(() => ID)
  clusterId!: string;
}
