import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { FailoverDomainMemberRecord, FailoverDomainRecord } from '@haaas/management';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'A node of a failover domain and how much it is preferred.' })
export class FailoverDomainMember {
  /** Not a schema field: `node` is resolved from it (batched). */
  nodeId!: string;

  @Field(() => Int, {
    description: 'Preference, as in rgmanager: 1 is the most preferred node, up to 100; members with equal priority are equally preferred.',
  })
  priority!: number;
}

@ObjectType({ description: 'A named, prioritized list of nodes that services run on and fail over within (rgmanager semantics).' })
export class FailoverDomain {
  @Field(() => ID)
  id!: string;

  /** Not a schema field: `cluster` is resolved from it (batched). */
  clusterId!: string;

  @Field({ description: 'Unique in the cluster.' })
  name!: string;

  @Field({ description: 'Prefer members by priority; otherwise any member is as good as another.' })
  ordered!: boolean;

  @Field({ description: 'Services may run only on members; otherwise any node of the cluster is a last resort.' })
  restricted!: boolean;

  @Field({ description: 'Do not move a service back when a more preferred member returns.' })
  nofailback!: boolean;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class FailoverDomainConnection extends Connection(FailoverDomain, 'FailoverDomain') {}

export function toFailoverDomain(d: FailoverDomainRecord): FailoverDomain {
  return {
    id: d.id,
    clusterId: d.clusterId,
    name: d.name,
    ordered: d.ordered,
    restricted: d.restricted,
    nofailback: d.nofailback,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

export function toFailoverDomainMember(m: FailoverDomainMemberRecord): FailoverDomainMember {
  return { nodeId: m.nodeId, priority: m.priority };
}
