import { Field, ID, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'One tenant-level or admin action in the audit log (append-only: entries are never changed or removed).' })
export class AuditEntry {
  @Field(() => ID, { description: 'Time-ordered: newer entries have greater ids.' })
  id!: string;

  @Field()
  at!: Date;

  @Field(() => ID, { description: 'The tenant acted on.' })
  tenantId!: string;

  @Field({ description: 'Token subject of whoever did it, or `system:<component>`.' })
  actor!: string;

  @Field({ description: 'tenant.created, tenant.quota_changed, tenant.rate_limits_changed, node.agent_token_issued, webhook.created, webhook.secret_changed or webhook.deleted.' })
  action!: string;

  @Field({ description: 'Tenant, Node or Webhook.' })
  targetType!: string;

  @Field(() => ID)
  targetId!: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'What changed; never a secret (a token by its fingerprint).' })
  details!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'The request that did it: the requestId of its log lines.' })
  requestId!: string | null;
}

@ObjectType()
export class AuditEntryConnection extends Connection(AuditEntry, 'AuditEntry') {}
