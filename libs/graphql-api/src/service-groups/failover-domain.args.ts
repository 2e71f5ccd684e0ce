import { ArgsType, Field } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';
import { FailoverDomainFilter } from './failover-domain.input';

@ArgsType()
export class FailoverDomainsArgs extends ConnectionArgs {
  @Field(() => FailoverDomainFilter, { nullable: true })
  filter?: FailoverDomainFilter | null;
}
