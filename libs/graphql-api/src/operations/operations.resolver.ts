import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { OperationKind, OperationsService } from '@haaas/operations';
import { ClusterService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { loadCluster } from '../clusters/cluster.loader';
import { IncidentActionArgs, OperationActionArgs, OperationsArgs, RelocateServiceArgs } from './operation.args';
import { Operation, OperationConnection, toOperation } from './operation.model';

/**
 * The seed's actions. Each mutation checks the request at once (NOT_FOUND, BAD_USER_INPUT, and
 * PRECONDITION_FAILED such as a cluster start without quorum) and returns a PENDING Operation
 * that a worker runs; follow it with `operation(id)` or the `operationUpdated` subscription.
 */
@Resolver(() => Operation)
export class OperationsResolver {
  constructor(
    private readonly operationService: OperationsService,
    private readonly clusters: ClusterService,
  ) {}

  private async act(scope: TenantScope, kind: OperationKind, args: OperationActionArgs, targetNodeId?: string | null): Promise<Operation> {
    const op = await this.operationService.request(scope, {
      kind,
      targetId: args.id,
      idempotencyKey: args.idempotencyKey ?? null,
      ...(targetNodeId ? { params: { targetNodeId } } : {}),
    });
    return toOperation(op);
  }

  @Query(() => Operation, { description: 'An operation by id.' })
  async operation(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Operation> {
    return toOperation(await this.operationService.get(scope, id));
  }

  @Query(() => OperationConnection, { description: 'Operations of the tenant, newest first.' })
  async operations(@CurrentScope() scope: TenantScope, @Args() args: OperationsArgs): Promise<OperationConnection> {
    return toConnection(await this.operationService.page(scope, args.filter ?? {}, toPageArgs(args, 'DESC')), toOperation);
  }

  @ResolveField(() => Cluster)
  cluster(@CurrentScope() scope: TenantScope, @Parent() op: Operation, @Context() ctx: GraphQLContext): Promise<Cluster> {
    return loadCluster(ctx, scope, this.clusters, op.clusterId);
  }

  @Mutation(() => Operation, {
    description:
      'Activates HA on a cluster. Refused at once (PRECONDITION_FAILED) without quorum, N/2 + 1 nodes ONLINE and not in maintenance, or with fewer healthy nodes than the policy\'s minHealthyNodes; also when the cluster is SUSPENDED (resume it).',
  })
  startCluster(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.CLUSTER_START, args);
  }

  @Mutation(() => Operation, { description: 'Deactivates HA on a cluster, then stops its running services (lowest priority first).' })
  stopCluster(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.CLUSTER_STOP, args);
  }

  @Mutation(() => Operation, { description: 'Pauses monitoring and recovery of a started cluster (maintenance): failures are not acted on until it is resumed.' })
  suspendCluster(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.CLUSTER_SUSPEND, args);
  }

  @Mutation(() => Operation, { description: 'Resumes monitoring and recovery of a suspended cluster.' })
  resumeCluster(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.CLUSTER_RESUME, args);
  }

  @Mutation(() => Operation, {
    description:
      "Powers a node on (through its hypervisor manager when it can power hosts, else its fencing devices' `on`), waits until its hypervisor answers, and ends its maintenance.",
  })
  startupNode(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.NODE_STARTUP, args);
  }

  @Mutation(() => Operation, { description: 'Puts a node in maintenance, moves its services off (as evacuateNode), then powers it off. It stays in maintenance.' })
  shutdownNode(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.NODE_SHUTDOWN, args);
  }

  @Mutation(() => Operation, { description: 'Puts a node in maintenance, moves its services off, reboots it, waits until its hypervisor answers, and ends maintenance.' })
  rebootNode(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.NODE_REBOOT, args);
  }

  @Mutation(() => Operation, {
    description: 'Puts a node in maintenance and moves every running service off it, highest priority first, each to the node placement chooses (failover domain, capacity, anti-affinity).',
  })
  evacuateNode(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.NODE_EVACUATE, args);
  }

  @Mutation(() => Operation, { description: 'Starts a service (resources in order) where it runs, or on the best node by placement. A service whose VMs already run on a node is adopted there ("already running there", logged; nothing is started twice); VMs of it active on two nodes refuse the start.' })
  startService(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.SERVICE_START, args);
  }

  @Mutation(() => Operation, { description: 'Stops a service (resources in reverse order, gracefully, then forced after its stop timeout).' })
  stopService(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.SERVICE_STOP, args);
  }

  @Mutation(() => Operation, { description: 'Stops a service and starts it again on the same node.' })
  restartService(@CurrentScope() scope: TenantScope, @Args() args: OperationActionArgs): Promise<Operation> {
    return this.act(scope, OperationKind.SERVICE_RESTART, args);
  }

  @Mutation(() => Operation, {
    description: 'Moves a service to `targetNodeId` (which placement must accept), or to the best other node; if the target cannot start it, it is started again where it ran.',
  })
  relocateService(@CurrentScope() scope: TenantScope, @Args() args: RelocateServiceArgs): Promise<Operation> {
    return this.act(scope, OperationKind.SERVICE_RELOCATE, args, args.targetNodeId ?? null);
  }

  private async actOnIncident(scope: TenantScope, kind: OperationKind, args: IncidentActionArgs): Promise<Operation> {
    const op = await this.operationService.request(scope, { kind, targetId: args.incidentId, idempotencyKey: args.idempotencyKey ?? null, ...(args.note ? { params: { note: args.note } } : {}) });
    return toOperation(op);
  }

  @Mutation(() => Operation, {
    description:
      "The operator attests that the node of an incident waiting for a failed fence is off (stonith_admin --confirm): recovery proceeds as if it were fenced. `note` (required) says who checked and how; it is logged with the caller. PRECONDITION_FAILED unless the incident waits for a fence or is fencing. Never confirm a node you have not seen off: its VMs would run twice.",
  })
  confirmNodeFenced(@CurrentScope() scope: TenantScope, @Args() args: IncidentActionArgs): Promise<Operation> {
    return this.actOnIncident(scope, OperationKind.INCIDENT_CONFIRM_FENCED, args);
  }

  @Mutation(() => Operation, {
    description:
      'Fences the node of an incident waiting for a failed fence again, from its first level (after its device was fixed); recovery follows if it succeeds. The engine also does this by itself on doubling waits (the cluster policy\'s fenceRetrySeconds).',
  })
  retryIncident(@CurrentScope() scope: TenantScope, @Args() args: IncidentActionArgs): Promise<Operation> {
    return this.actOnIncident(scope, OperationKind.INCIDENT_RETRY, args);
  }

  @Mutation(() => Operation, { description: "Stops an open incident's recovery: its unsettled services are FAILED with `note` (required), and nothing more is fenced or started for it." })
  cancelIncident(@CurrentScope() scope: TenantScope, @Args() args: IncidentActionArgs): Promise<Operation> {
    return this.actOnIncident(scope, OperationKind.INCIDENT_CANCEL, args);
  }
}
