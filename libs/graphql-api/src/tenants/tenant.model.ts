import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { TenantQuota as TenantQuotaValue } from '@haaas/domain';
import type { TenantRecord } from '@haaas/management';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'Limits of a tenant: its own overrides, else the platform defaults.' })
export class TenantQuota {
  @Field(() => Int)
  maxClusters!: number;

  @Field(() => Int)
  maxNodes!: number;

  @Field(() => Int)
  maxResources!: number;

  @Field(() => Int)
  maxServices!: number;
}

@ObjectType({ description: 'Quota values set for this tenant; null where the platform default applies.' })
export class TenantQuotaOverrides {
  @Field(() => Int, { nullable: true })
  maxClusters!: number | null;

  @Field(() => Int, { nullable: true })
  maxNodes!: number | null;

  @Field(() => Int, { nullable: true })
  maxResources!: number | null;

  @Field(() => Int, { nullable: true })
  maxServices!: number | null;
}

@ObjectType({ description: 'What a tenant uses now, against its quota.' })
export class TenantUsage {
  @Field(() => Int)
  clusters!: number;

  @Field(() => Int)
  nodes!: number;

  @Field(() => Int)
  resources!: number;

  @Field(() => Int)
  services!: number;
}

@ObjectType({ description: 'An isolated customer (a Keystone project maps to one).' })
export class Tenant {
  @Field(() => ID, { description: 'As tokens carry it: 1-64 letters, digits, "_" or "-".' })
  id!: string;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => TenantQuota, { description: 'Effective limits.' })
  quota!: TenantQuota;

  @Field(() => TenantQuotaOverrides)
  quotaOverrides!: TenantQuotaOverrides;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class TenantConnection extends Connection(Tenant, 'Tenant') {}

@ObjectType({ description: 'Who is calling: the token subject, its tenant and roles.' })
export class Viewer {
  @Field()
  subject!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field(() => [String], { description: 'admin, member and/or reader.' })
  roles!: string[];
}

export function toTenant(t: TenantRecord, quota: TenantQuotaValue): Tenant {
  return {
    id: t.id,
    displayName: t.displayName,
    quota: { ...quota },
    quotaOverrides: { maxClusters: t.maxClusters, maxNodes: t.maxNodes, maxResources: t.maxResources, maxServices: t.maxServices },
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
