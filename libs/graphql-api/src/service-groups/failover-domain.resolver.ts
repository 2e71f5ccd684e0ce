import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { ClusterService, FailoverDomainService, NodeService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { loadCluster } from '../clusters/cluster.loader';
import { Node, toNode } from '../nodes/node.model';
import { FailoverDomainsArgs } from './failover-domain.args';
import { CreateFailoverDomainInput, UpdateFailoverDomainInput } from './failover-domain.input';
import { FailoverDomain, FailoverDomainConnection, FailoverDomainMember, toFailoverDomain, toFailoverDomainMember } from './failover-domain.model';
import { loadExistingNode, loadMembers } from './service-groups.loaders';

@Resolver(() => FailoverDomain)
export class FailoverDomainResolver {
  constructor(
    private readonly domains: FailoverDomainService,
    private readonly clusters: ClusterService,
  ) {}

  @Query(() => FailoverDomain, { description: 'A failover domain by id.' })
  async failoverDomain(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<FailoverDomain> {
    return toFailoverDomain(await this.domains.get(scope, id));
  }

  @Query(() => FailoverDomainConnection, { description: 'Failover domains of the tenant, oldest first.' })
  async failoverDomains(@CurrentScope() scope: TenantScope, @Args() args: FailoverDomainsArgs): Promise<FailoverDomainConnection> {
    return toConnection(await this.domains.page(scope, args.filter ?? {}, toPageArgs(args)), toFailoverDomain);
  }

  @ResolveField(() => Cluster, { description: 'The cluster the domain belongs to.' })
  cluster(@CurrentScope() scope: TenantScope, @Parent() domain: FailoverDomain, @Context() ctx: GraphQLContext): Promise<Cluster> {
    return loadCluster(ctx, scope, this.clusters, domain.clusterId);
  }

  @ResolveField(() => [FailoverDomainMember], { description: 'Member nodes, most preferred (lowest priority number) first.' })
  async members(@CurrentScope() scope: TenantScope, @Parent() domain: FailoverDomain, @Context() ctx: GraphQLContext): Promise<FailoverDomainMember[]> {
    return (await loadMembers(ctx, scope, this.domains, domain.id)).map(toFailoverDomainMember);
  }

  @Mutation(() => FailoverDomain, { description: 'Creates a failover domain; every member must be a node of the same cluster.' })
  async createFailoverDomain(@CurrentScope() scope: TenantScope, @Args('input') input: CreateFailoverDomainInput): Promise<FailoverDomain> {
    return toFailoverDomain(
      await this.domains.create(scope, {
        clusterId: input.clusterId,
        name: input.name,
        ordered: input.ordered,
        restricted: input.restricted,
        nofailback: input.nofailback,
        members: input.members ?? [],
      }),
    );
  }

  @Mutation(() => FailoverDomain, { description: 'Renames a failover domain, changes its flags or replaces its members.' })
  async updateFailoverDomain(@CurrentScope() scope: TenantScope, @Args('input') input: UpdateFailoverDomainInput): Promise<FailoverDomain> {
    return toFailoverDomain(
      await this.domains.update(scope, {
        id: input.id,
        name: input.name,
        ordered: input.ordered,
        restricted: input.restricted,
        nofailback: input.nofailback,
        members: input.members,
      }),
    );
  }

  @Mutation(() => FailoverDomain, { description: 'Deletes a failover domain; CONFLICT while a service uses it. Returns it as it was.' })
  async deleteFailoverDomain(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<FailoverDomain> {
    return toFailoverDomain(await this.domains.delete(scope, id));
  }
}

@Resolver(() => FailoverDomainMember)
export class FailoverDomainMemberResolver {
  constructor(private readonly nodes: NodeService) {}

  @ResolveField(() => Node)
  async node(@CurrentScope() scope: TenantScope, @Parent() member: FailoverDomainMember, @Context() ctx: GraphQLContext): Promise<Node> {
    return toNode(await loadExistingNode(ctx, scope, this.nodes, member.nodeId));
  }
}
