import { Inject, Injectable } from '@nestjs/common';
import { TenantScope } from '@haaas/domain';
import { HYPERVISOR_ADAPTERS, NodeService } from '@haaas/management';
import type { HypervisorAdapters } from '@haaas/management';
import { Store } from '@haaas/persistence';
import { NODE_RESOURCE_DRIVER } from '@haaas/node-actions';
import type { NodeResourceDriver } from '@haaas/node-actions';
import { HostSessions } from './hypervisor-hosts';
import { RECOVERY_OPTIONS } from './recovery.options';
import type { ResolvedRecoveryOptions } from './recovery.options';
import { ClaimWaitOptions, ServiceClaim, ServiceClaims } from './service-claims';
import { refsOf, searchable, ServiceRecords } from './service-records';
import type { StartedService, StartServiceOptions, StoppedService, StopServiceOptions } from './service-run.types';
import { ServiceStart, StartDeps } from './service-start';
import { ServiceStop } from './service-stop';
import { locateVms, VmSearch } from './vm-locator';

export { ServiceStartError, ServiceStopError } from './service-run.types';
export type { StartErrorKind, ResourceStart, StartedService, StartServiceOptions, StartFailureOutcome, AfterStarted, StopServiceOptions, StoppedService } from './service-run.types';
export { agentResource } from './service-records';

/**
 * Starts and stops services on nodes: the one way the engine touches a service's VMs, used by
 * recovery and by operations (start, stop, restart, relocate). Every call needs the service's
 * claim, so one actor at a time acts on a service.
 *
 * Start (resources in position order, on one node):
 *  1. asks every node's hypervisor where the service's VMs are (one `listVms` per node, nodes a
 *     fence powered off excepted); a VM active on any other node is an error
 *     (`VM_ACTIVE_ELSEWHERE`), active on the target is done;
 *  2. writes the target to `resources.placed_node_id` before the start call (write-ahead), so a
 *     retry after a crash finds the VM where it was started;
 *  3. registers the VM from its kept definition when the target does not know it (shared storage);
 *  4. `startVm` with the policy's startTimeoutSeconds as deadline;
 *  5. exports every VM's definition from the target and keeps it (`resources.vm_definition`), so
 *     the VM can be registered elsewhere if this host dies;
 *  6. records services.state = STARTED and current_node_id, with the caller's writes.
 * IP, APPLICATION and VOLUME resources are carried out by the target's node agent (the
 * NodeResourceDriver, `node-actions/`): placed ahead like VMs, then started within the service's
 * startTimeoutSeconds; an agent that does not answer in time is TARGET_UNREACHABLE (retryable).
 *
 * Stop: resources in reverse order; each VM on its node with a graceful shutdown of
 * shutdownTimeoutSeconds (else the service's stopTimeoutSeconds), then forced by the adapter;
 * other resources by the agent of the node they were placed on, within stopTimeoutSeconds.
 *
 * Every step appends an event to the cluster log in the transaction that records it. The steps are
 * ServiceStart (service-start.ts) and ServiceStop (service-stop.ts); both write through
 * ServiceRecords (the service's state, its resources' placements, their events).
 */
@Injectable()
export class ServiceRunner {
  private readonly records: ServiceRecords;
  private readonly steps: StartDeps;

  constructor(
    store: Store,
    private readonly claims: ServiceClaims,
    private readonly nodes: NodeService,
    @Inject(HYPERVISOR_ADAPTERS) private readonly adapters: HypervisorAdapters,
    @Inject(RECOVERY_OPTIONS) private readonly options: ResolvedRecoveryOptions,
    @Inject(NODE_RESOURCE_DRIVER) nodeResources: NodeResourceDriver,
  ) {
    this.records = new ServiceRecords(store);
    this.steps = { store, records: this.records, nodes, adapters, options, nodeResources };
  }

  /** Takes the service's claim (see ServiceClaims.claim); renewed until released. */
  claim(scope: TenantScope, serviceId: string, owner: string, wait?: ClaimWaitOptions): Promise<ServiceClaim> {
    return this.claims.claim(scope, serviceId, owner, wait);
  }

  /** Claim, run, release. */
  withClaim<T>(scope: TenantScope, serviceId: string, owner: string, fn: (claim: ServiceClaim) => Promise<T>, wait?: ClaimWaitOptions): Promise<T> {
    return this.claims.withClaim(scope, serviceId, owner, fn, wait);
  }

  /** Where the service's VMs are, as the hypervisors of its cluster answer now. */
  async locate(scope: TenantScope, serviceId: string, signal?: AbortSignal): Promise<VmSearch> {
    const { cluster, nodes, resources } = await this.records.load(scope, serviceId);
    const sessions = new HostSessions(scope, cluster.hypervisor, this.adapters, this.nodes);
    try {
      return await locateVms(sessions, searchable(nodes), refsOf(resources), this.options.locateDeadlineMs, signal);
    } finally {
      await sessions.close();
    }
  }

  /** Starts the service on `nodeId` (see the class comment). Throws ServiceStartError, or ClaimLostError. */
  async start(claim: ServiceClaim, nodeId: string, options: StartServiceOptions): Promise<StartedService> {
    const startedAt = performance.now();
    claim.assertHeld();
    const loaded = await this.records.load(claim.scope, claim.serviceId);
    return new ServiceStart(this.steps, claim, nodeId, options, loaded, startedAt).run();
  }

  /**
   * Stops the service's VMs (reverse order), each on the node it was placed on, gracefully then
   * forced; records STOPPED with no node unless `keepServiceState`. Throws ServiceStopError when a
   * VM could not be stopped (its placement is kept, so a retry finds it).
   */
  async stop(claim: ServiceClaim, options: StopServiceOptions): Promise<StoppedService> {
    const startedAt = performance.now();
    claim.assertHeld();
    const loaded = await this.records.load(claim.scope, claim.serviceId);
    return new ServiceStop(this.steps, claim, options, loaded, startedAt).run();
  }
}
