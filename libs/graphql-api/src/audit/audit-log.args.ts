import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';

@InputType()
export class AuditLogFilter {
  @Field(() => String, { nullable: true, description: 'Entries about this tenant only (its id).' })
  tenantId?: string | null;

  @Field(() => String, { nullable: true, description: 'Entries of this action only (e.g. tenant.quota_changed).' })
  action?: string | null;
}

@ArgsType()
export class AuditLogArgs extends ConnectionArgs {
  @Field(() => AuditLogFilter, { nullable: true })
  filter?: AuditLogFilter | null;
}
