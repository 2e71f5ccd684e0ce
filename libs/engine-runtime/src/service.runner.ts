import { Inject, Injectable } from '@nestjs/common';
import { type EventTypeOf, NodeStatus, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { AdapterError, deadline, VmDefinition } from '@haaas/hypervisor';
import { appendEvent, HYPERVISOR_ADAPTERS, NodeService, readResourceSpec, SPEC_FIELD } from '@haaas/management';
import type { HypervisorAdapters } from '@haaas/management';
import { NodeEntity, Repositories, ResourceEntity, ServiceEntity, Store } from '@haaas/persistence';
import { redact } from '@haaas/secrets';
import { NODE_RESOURCE_DRIVER, NodeResourceError } from '@haaas/node-actions';
import type { AgentResourceType, NodeResourceDone, NodeResourceDriver } from '@haaas/node-actions';
import { startOrder, vmRefOf } from './cluster-view';
import { adapterMessage, HostSessions } from './hypervisor-hosts';
import { RECOVERY_OPTIONS } from './recovery.options';
import type { ResolvedRecoveryOptions } from './recovery.options';
import { ClaimLostError, ClaimWaitOptions, ServiceClaim, ServiceClaims } from './service-claims';
import { locateVms, VmSearch } from './vm-locator';
import { NO_SIZE, sizeFromDefinition } from './vm-size.util';

export type StartErrorKind =
  /** A VM of the service is active on another node: starting it here would run it twice. */
  | 'VM_ACTIVE_ELSEWHERE'
  /** The target's hypervisor did not answer. */
  | 'TARGET_UNREACHABLE'
  /** The target does not know the VM and no definition is kept to register it. */
  | 'NO_DEFINITION'
  /** The target is not a node of the service's cluster. */
  | 'NOT_IN_CLUSTER'
  /** The hypervisor refused or failed a call (the adapter's error kind is in the message). */
  | 'ADAPTER'
  /** The node agent carried out an IP, APPLICATION or VOLUME start and it failed (exit code in the message). */
  | 'RESOURCE_FAILED';

/** A start that did not complete. `retryable`: the same start on the same node may succeed later. */
export class ServiceStartError extends Error {
  constructor(
    readonly kind: StartErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly nodeId: string,
    readonly resourceId: string | null = null,
    readonly vmRef: string | null = null,
    /** Exit code of the node agent's command that failed, if one ran. */
    readonly exitCode: number | null = null,
  ) {
    super(message);
    this.name = 'ServiceStartError';
  }
}

/** A stop that did not complete (a VM could not be stopped on its node). */
export class ServiceStopError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly nodeId: string | null,
    readonly resourceId: string | null,
  ) {
    super(message);
    this.name = 'ServiceStopError';
  }
}

/** What happened to one resource in a start. */
export interface ResourceStart {
  readonly resourceId: string;
  readonly name: string;
  readonly type: ResourceType;
  readonly vmRef: string | null;
  /**
   * STARTED: startVm was called; REGISTERED_AND_STARTED: registered from the kept definition first;
   * ALREADY_RUNNING: found active on the target, no call made; AGENT: not a VM, carried out by the
   * target's node agent (`outcome` DONE, or ALREADY when there was nothing to do).
   */
  readonly action: 'STARTED' | 'REGISTERED_AND_STARTED' | 'ALREADY_RUNNING' | 'AGENT';
  readonly latencyMs: number;
  /** AGENT only: the agent's outcome, what it did and the exit code of its command. */
  readonly outcome?: NodeResourceDone['outcome'];
  readonly detail?: string;
  readonly exitCode?: number | null;
}

export interface StartedService {
  readonly serviceId: string;
  readonly nodeId: string;
  readonly resources: readonly ResourceStart[];
  /** VM definitions exported after the start and stored (new or changed). */
  readonly definitionsStored: number;
  readonly latencyMs: number;
}

export interface StartServiceOptions {
  /** Why, for the log ("recovery of incident …", "operation …"). */
  readonly reason: string;
  /** The service's state while starting (default STARTING) and after a failed start (default FAILED). */
  readonly startingState?: ServiceState;
  readonly failedState?: ServiceState;
  /**
   * Extra writes committed with "the service runs on the node" (the caller's bookkeeping). Runs
   * first in that transaction, so a caller that locks its own rows locks them before the service's;
   * what it returns runs last in it (e.g. its log entries, after the runner's `service.started`).
   */
  readonly onStarted?: (repos: Repositories, started: StartedService) => Promise<AfterStarted | void>;
  /**
   * Extra writes committed with the failure (runs first in that transaction). It may say which
   * state the service is left in, and add fields to the `service.start_failed` event (e.g. what the
   * caller decided: retry, relocate, give up).
   */
  readonly onFailed?: (repos: Repositories, error: ServiceStartError) => Promise<StartFailureOutcome | void>;
  readonly signal?: AbortSignal;
}

/** Writes of the caller's that belong after the runner's own in the transaction that records the start (its log entries, so the log reads in order). */
export type AfterStarted = (repos: Repositories) => Promise<void>;

/** What a caller decided about a failed start, recorded with it. */
export interface StartFailureOutcome {
  /** The service's state after the failure (default: `failedState`). */
  readonly serviceState?: ServiceState;
  /** Where the service is now (default: unchanged). */
  readonly currentNodeId?: string | null;
  /** Added to the `service.start_failed` event. */
  readonly note?: Record<string, unknown>;
}

export interface StopServiceOptions {
  readonly reason: string;
  /** Only the VMs placed on this node (cleaning up a target that was given up). */
  readonly onlyNodeId?: string;
  /** Power off at once instead of asking the guests first. */
  readonly force?: boolean;
  /** Leave services.state and current_node_id as they are (a cleanup within a larger action). */
  readonly keepServiceState?: boolean;
  readonly signal?: AbortSignal;
}

export interface StoppedService {
  readonly serviceId: string;
  /** VMs stopped, by node. */
  readonly stopped: readonly { readonly resourceId: string; readonly vmRef: string; readonly nodeId: string }[];
  readonly latencyMs: number;
}

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
 * Every step appends an event to the cluster log in the transaction that records it.
 */
@Injectable()
export class ServiceRunner {
  constructor(
    private readonly store: Store,
    private readonly claims: ServiceClaims,
    private readonly nodes: NodeService,
    @Inject(HYPERVISOR_ADAPTERS) private readonly adapters: HypervisorAdapters,
    @Inject(RECOVERY_OPTIONS) private readonly options: ResolvedRecoveryOptions,
    @Inject(NODE_RESOURCE_DRIVER) private readonly nodeResources: NodeResourceDriver,
  ) {}

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
    const service = await this.store.repos.services.get(scope, serviceId);
    const [cluster, nodes, resources] = await Promise.all([
      this.store.repos.clusters.get(scope, service.clusterId),
      this.store.repos.nodes.find(scope, { clusterId: service.clusterId }),
      this.store.repos.resources.find(scope, { serviceId }),
    ]);
    const sessions = new HostSessions(scope, cluster.hypervisor, this.adapters, this.nodes);
    try {
      return await locateVms(sessions, searchable(nodes), refsOf(resources), this.options.locateDeadlineMs, signal);
    } finally {
      await sessions.close();
    }
  }

  /** Starts the service on `nodeId` (see the class comment). Throws ServiceStartError, or ClaimLostError. */
  async start(claim: ServiceClaim, nodeId: string, options: StartServiceOptions): Promise<StartedService> {
    const scope = claim.scope;
    const started = performance.now();
    claim.assertHeld();
    const service = await this.store.repos.services.get(scope, claim.serviceId);
    const [cluster, nodes, resourceRows] = await Promise.all([
      this.store.repos.clusters.get(scope, service.clusterId),
      this.store.repos.nodes.find(scope, { clusterId: service.clusterId }),
      this.store.repos.resources.find(scope, { serviceId: service.id }),
    ]);
    const resources = startOrder(resourceRows);
    const signal = options.signal ? AbortSignal.any([claim.signal, options.signal]) : claim.signal;
    const target = nodes.find((n) => n.id === nodeId);
    const sessions = new HostSessions(scope, cluster.hypervisor, this.adapters, this.nodes);
    let current: ResourceEntity | null = null;
    try {
      if (!target) throw new ServiceStartError('NOT_IN_CLUSTER', `node ${nodeId} is not a node of the service's cluster`, false, nodeId);
      await this.store.transaction(async (repos) => {
        const s = await this.lockOwned(repos, claim);
        const before = s.state;
        s.state = options.startingState ?? ServiceState.STARTING;
        await repos.services.update(scope, s.id, { state: s.state, currentNodeId: s.currentNodeId });
        await appendEvent(repos, scope, {
          clusterId: s.clusterId,
          type: 'service.starting',
          objectType: 'Service',
          objectId: s.id,
          serviceId: s.id,
          nodeId,
          before: { state: before, currentNodeId: s.currentNodeId },
          after: { state: s.state, targetNodeId: nodeId, hostname: target.hostname, reason: options.reason },
          message: `starting on ${target.hostname}: ${options.reason}`,
        });
      });

      const search = await locateVms(sessions, searchable(nodes, nodeId), refsOf(resources), this.options.locateDeadlineMs, signal);
      const targetDown = search.unreachable.find((u) => u.nodeId === nodeId);
      if (targetDown && search.vms.size > 0) throw new ServiceStartError('TARGET_UNREACHABLE', `${target.hostname} did not answer: ${targetDown.error}`, true, nodeId);

      const records: ResourceStart[] = [];
      for (const resource of resources) {
        current = resource;
        claim.assertHeld();
        const t0 = performance.now();
        const ref = vmRefOf(resource);
        if (ref === null) {
          // write-ahead as for VMs: a failed or crashed start is cleaned up (stopped) on this node
          await this.place(scope, claim, resource, nodeId, null, false);
          const done = await this.nodeResources.start({ scope, nodeId, hostname: target.hostname }, { resource: agentResource(resource), timeoutMs: service.startTimeoutSeconds * 1000, signal });
          const latencyMs = Math.round(performance.now() - t0);
          records.push({ resourceId: resource.id, name: resource.name, type: resource.type, vmRef: null, action: 'AGENT', latencyMs, outcome: done.outcome, detail: done.detail, exitCode: done.exitCode });
          await this.resourceEvent(scope, resource, nodeId, 'resource.started', {
            action: 'AGENT',
            outcome: done.outcome,
            detail: done.detail,
            exitCode: done.exitCode,
            agentLatencyMs: done.latencyMs,
            latencyMs,
          }, `${resource.type} ${resource.name} ${done.outcome === 'ALREADY' ? 'already up' : 'started'} on ${target.hostname} by its agent in ${latencyMs} ms: ${done.detail}`);
          continue;
        }
        const where = search.vms.get(ref);
        const elsewhere = (where?.activeOn ?? []).filter((n) => n !== nodeId);
        if (elsewhere.length > 0) {
          const names = elsewhere.map((n) => nodes.find((x) => x.id === n)?.hostname ?? n).join(', ');
          throw new ServiceStartError('VM_ACTIVE_ELSEWHERE', `VM ${ref} is already active on ${names}: not starting a second copy on ${target.hostname}`, false, nodeId, resource.id, ref);
        }
        if (where?.activeOn.includes(nodeId)) {
          // started before (a retry after a crash, or by someone else): done, no second start
          await this.place(scope, claim, resource, nodeId, ref, true);
          records.push({ resourceId: resource.id, name: resource.name, type: resource.type, vmRef: ref, action: 'ALREADY_RUNNING', latencyMs: Math.round(performance.now() - t0) });
          continue;
        }
        // write-ahead: a retry after a crash from here on checks this node first
        await this.place(scope, claim, resource, nodeId, ref, false);
        const host = await sessions.host(target);
        let registered = false;
        if (!where?.knownOn.includes(nodeId)) {
          const fresh = await this.store.repos.resources.get(scope, resource.id);
          if (!fresh.vmDefinition || !fresh.vmDefinitionFormat) {
            throw new ServiceStartError('NO_DEFINITION', `${target.hostname} does not know VM ${ref} and no definition of it is kept to register it there`, false, nodeId, resource.id, ref);
          }
          const definition: VmDefinition = { ref, format: fresh.vmDefinitionFormat as VmDefinition['format'], data: fresh.vmDefinition };
          await host.registerVm(definition, { signal: deadline(this.options.registerDeadlineMs, signal) });
          registered = true;
        }
        await host.startVm(ref, { signal: deadline(service.startTimeoutSeconds * 1000, signal) });
        const latencyMs = Math.round(performance.now() - t0);
        const action = registered ? 'REGISTERED_AND_STARTED' : 'STARTED';
        records.push({ resourceId: resource.id, name: resource.name, type: resource.type, vmRef: ref, action, latencyMs });
        await this.resourceEvent(scope, resource, nodeId, 'resource.started', { vmRef: ref, action, latencyMs }, `VM ${ref} ${registered ? 'registered and ' : ''}started on ${target.hostname} in ${latencyMs} ms`);
      }
      current = null;

      // keep the definitions fresh while this host is alive: they are what recovery registers elsewhere
      const definitions = new Map<string, VmDefinition>();
      const exportErrors: string[] = [];
      for (const resource of resources) {
        const ref = vmRefOf(resource);
        if (ref === null) continue;
        try {
          const host = await sessions.host(target);
          definitions.set(resource.id, await host.exportVm(ref, { signal: deadline(this.options.registerDeadlineMs, signal) }));
        } catch (err) {
          exportErrors.push(`${ref}: ${redact(adapterMessage(err), sessions.knownSecrets)}`);
        }
      }

      const result: StartedService = {
        serviceId: service.id,
        nodeId,
        resources: records,
        definitionsStored: 0,
        latencyMs: Math.round(performance.now() - started),
      };
      // definitions that changed (or whose size is not recorded yet), compared with the rows read at
      // the start (only this claim's holder writes them), in a transaction of their own: the last
      // one holds the caller's locks (an incident's), so it does no more than it must
      const changed = resources.filter((r) => {
        const def = definitions.get(r.id);
        return def !== undefined && !(r.vmDefinition === def.data && r.vmDefinitionFormat === def.format && r.vmCpus != null);
      });
      const stored = changed.length;
      if (stored > 0) {
        await this.store.transaction(async (repos) => {
          await this.lockOwned(repos, claim);
          for (const r of changed) {
            const def = definitions.get(r.id);
            if (!def) continue;
            // the size goes with the definition, so placement never reads definitions (0: it states none)
            const size = sizeFromDefinition(def.format, def.data) ?? NO_SIZE;
            await repos.resources.update(scope, r.id, { vmDefinition: def.data, vmDefinitionFormat: def.format, vmCpus: size.cpus, vmMemoryMb: size.memoryMb });
          }
        });
      }
      await this.store.transaction(async (repos) => {
        const finish = options.onStarted ? await options.onStarted(repos, result) : undefined;
        const s = await this.lockOwned(repos, claim);
        const before = { state: s.state, currentNodeId: s.currentNodeId };
        s.state = ServiceState.STARTED;
        s.currentNodeId = nodeId;
        await repos.services.update(scope, s.id, { state: s.state, currentNodeId: s.currentNodeId });
        await appendEvent(repos, scope, {
          clusterId: s.clusterId,
          type: 'service.started',
          objectType: 'Service',
          objectId: s.id,
          serviceId: s.id,
          nodeId,
          before,
          after: {
            state: s.state,
            currentNodeId: nodeId,
            hostname: target.hostname,
            resources: records,
            definitionsStored: stored,
            ...(exportErrors.length > 0 ? { definitionExportErrors: exportErrors } : {}),
            latencyMs: result.latencyMs,
            reason: options.reason,
          },
          message: `running on ${target.hostname} (${records.length} resource${records.length === 1 ? '' : 's'}, ${result.latencyMs} ms)`,
        });
        if (finish) await finish(repos);
      });
      return { ...result, definitionsStored: stored };
    } catch (err) {
      if (err instanceof ClaimLostError || claim.signal.aborted) throw err instanceof ClaimLostError ? err : new ClaimLostError(claim.serviceId, claim.owner);
      // the caller stopped us (a worker shutting down): not a failure of the node; the placement
      // written ahead makes whoever resumes check the target first
      if (options.signal?.aborted) throw err;
      const failure = toStartError(err, nodeId, current, sessions.knownSecrets);
      await this.store.transaction(async (repos) => {
        const outcome = options.onFailed ? await options.onFailed(repos, failure) : undefined;
        const s = await this.lockOwned(repos, claim);
        const before = s.state;
        s.state = outcome?.serviceState ?? options.failedState ?? ServiceState.FAILED;
        if (outcome?.currentNodeId !== undefined) s.currentNodeId = outcome.currentNodeId;
        await repos.services.update(scope, s.id, { state: s.state, currentNodeId: s.currentNodeId });
        await appendEvent(repos, scope, {
          clusterId: s.clusterId,
          type: 'service.start_failed',
          objectType: 'Service',
          objectId: s.id,
          serviceId: s.id,
          nodeId,
          before: { state: before },
          after: {
            state: s.state,
            targetNodeId: nodeId,
            kind: failure.kind,
            retryable: failure.retryable,
            resourceId: failure.resourceId,
            vmRef: failure.vmRef,
            ...(failure.exitCode !== null ? { exitCode: failure.exitCode } : {}),
            error: failure.message,
            reason: options.reason,
            ...(outcome?.note ?? {}),
          },
          message: `start on ${target?.hostname ?? nodeId} failed: ${failure.message}`.slice(0, 1024),
        });
      });
      throw failure;
    } finally {
      await sessions.close();
    }
  }

  /**
   * Stops the service's VMs (reverse order), each on the node it was placed on, gracefully then
   * forced; records STOPPED with no node unless `keepServiceState`. Throws ServiceStopError when a
   * VM could not be stopped (its placement is kept, so a retry finds it).
   */
  async stop(claim: ServiceClaim, options: StopServiceOptions): Promise<StoppedService> {
    const scope = claim.scope;
    const started = performance.now();
    claim.assertHeld();
    const service = await this.store.repos.services.get(scope, claim.serviceId);
    const [cluster, nodes, resourceRows] = await Promise.all([
      this.store.repos.clusters.get(scope, service.clusterId),
      this.store.repos.nodes.find(scope, { clusterId: service.clusterId }),
      this.store.repos.resources.find(scope, { serviceId: service.id }),
    ]);
    const signal = options.signal ? AbortSignal.any([claim.signal, options.signal]) : claim.signal;
    const sessions = new HostSessions(scope, cluster.hypervisor, this.adapters, this.nodes);
    const stopped: { resourceId: string; vmRef: string; nodeId: string }[] = [];
    try {
      if (!options.keepServiceState) {
        await this.store.transaction(async (repos) => {
          const s = await this.lockOwned(repos, claim);
          const before = s.state;
          s.state = ServiceState.STOPPING;
          await repos.services.update(scope, s.id, { state: s.state, currentNodeId: s.currentNodeId });
          await appendEvent(repos, scope, {
            clusterId: s.clusterId,
            type: 'service.stopping',
            objectType: 'Service',
            objectId: s.id,
            serviceId: s.id,
            nodeId: s.currentNodeId,
            before: { state: before },
            after: { state: s.state, force: options.force ?? false, reason: options.reason },
            message: `stopping: ${options.reason}`,
          });
        });
      }
      // VMs without a recorded placement are looked for, so a stop never leaves one running unseen
      const unplaced = resourceRows.filter((r) => vmRefOf(r) !== null && !r.placedNodeId && !service.currentNodeId);
      const search = unplaced.length > 0 && !options.onlyNodeId ? await locateVms(sessions, searchable(nodes), refsOf(unplaced), this.options.locateDeadlineMs, signal) : null;

      for (const resource of startOrder(resourceRows).reverse()) {
        claim.assertHeld();
        const ref = vmRefOf(resource);
        if (ref === null) {
          await this.stopOnAgent(scope, resource, service, nodes, options, signal);
          continue;
        }
        const onNodes = resource.placedNodeId ? [resource.placedNodeId] : service.currentNodeId ? [service.currentNodeId] : [...(search?.vms.get(ref)?.activeOn ?? [])];
        for (const nodeId of onNodes) {
          if (options.onlyNodeId && nodeId !== options.onlyNodeId) continue;
          const node = nodes.find((n) => n.id === nodeId);
          if (!node) continue;
          const spec = resource.spec as { shutdownTimeoutSeconds?: unknown };
          const graceSeconds = typeof spec.shutdownTimeoutSeconds === 'number' ? spec.shutdownTimeoutSeconds : service.stopTimeoutSeconds;
          const gracefulTimeoutMs = options.force ? 0 : graceSeconds * 1000;
          const t0 = performance.now();
          try {
            const host = await sessions.host(node);
            await host.stopVm(ref, { gracefulTimeoutMs, signal: deadline(gracefulTimeoutMs + this.options.forcedStopDeadlineMs, signal) });
          } catch (err) {
            if (!(err instanceof AdapterError && err.kind === 'NOT_FOUND')) {
              const message = `VM ${ref} could not be stopped on ${node.hostname}: ${redact(adapterMessage(err), sessions.knownSecrets)}`;
              throw new ServiceStopError(message, err instanceof AdapterError ? err.retryable : true, nodeId, resource.id);
            }
          }
          stopped.push({ resourceId: resource.id, vmRef: ref, nodeId });
          const latencyMs = Math.round(performance.now() - t0);
          await this.recordStopped(scope, resource.id, nodeId, { vmRef: ref, forced: gracefulTimeoutMs === 0, latencyMs, reason: options.reason }, `VM ${ref} stopped on ${node.hostname} in ${latencyMs} ms`);
        }
      }

      if (!options.keepServiceState) {
        await this.store.transaction(async (repos) => {
          const s = await this.lockOwned(repos, claim);
          const before = { state: s.state, currentNodeId: s.currentNodeId };
          s.state = ServiceState.STOPPED;
          s.currentNodeId = null;
          await repos.services.update(scope, s.id, { state: s.state, currentNodeId: s.currentNodeId });
          await appendEvent(repos, scope, {
            clusterId: s.clusterId,
            type: 'service.stopped',
            objectType: 'Service',
            objectId: s.id,
            serviceId: s.id,
            nodeId: before.currentNodeId,
            before,
            after: { state: s.state, currentNodeId: null, stopped, reason: options.reason },
            message: `stopped (${stopped.length} VM${stopped.length === 1 ? '' : 's'})`,
          });
        });
      }
      return { serviceId: service.id, stopped, latencyMs: Math.round(performance.now() - started) };
    } finally {
      await sessions.close();
    }
  }

  /** Records a resource stopped on `nodeId`: its placement there cleared, and the event. */
  private async recordStopped(scope: TenantScope, resourceId: string, nodeId: string, after: Record<string, unknown>, message: string): Promise<void> {
    await this.store.transaction(async (repos) => {
      const r = await repos.resources.lock(scope, resourceId);
      const before = r.placedNodeId ?? null;
      const cleared = before === nodeId;
      if (cleared) await repos.resources.update(scope, r.id, { placedNodeId: null });
      await appendEvent(repos, scope, {
        clusterId: r.clusterId,
        type: 'resource.stopped',
        objectType: 'Resource',
        objectId: r.id,
        serviceId: r.serviceId,
        nodeId,
        before: { placedNodeId: before },
        after: { placedNodeId: cleared ? null : before, ...after },
        message: message.slice(0, 1024),
      });
    });
  }

  /** Locks the service row and checks the claim is still this actor's. */
  private async lockOwned(repos: Repositories, claim: ServiceClaim): Promise<ServiceEntity> {
    const s = await repos.services.lock(claim.scope, claim.serviceId);
    if (s.claimedBy !== claim.owner) throw new ClaimLostError(claim.serviceId, claim.owner);
    return s;
  }

  /**
   * Stops an IP, APPLICATION or VOLUME resource through the agent of the node it was placed on (else
   * the service's node), then forgets the placement. Nowhere to stop it: nothing to do.
   */
  private async stopOnAgent(scope: TenantScope, resource: ResourceEntity, service: ServiceEntity, nodes: readonly NodeEntity[], options: StopServiceOptions, signal: AbortSignal): Promise<void> {
    const nodeId = resource.placedNodeId ?? service.currentNodeId;
    if (!nodeId || (options.onlyNodeId && nodeId !== options.onlyNodeId)) return;
    const node = nodes.find((n) => n.id === nodeId);
    if (!node) return;
    const t0 = performance.now();
    let done: NodeResourceDone;
    try {
      done = await this.nodeResources.stop({ scope, nodeId, hostname: node.hostname }, { resource: agentResource(resource), timeoutMs: service.stopTimeoutSeconds * 1000, signal });
    } catch (err) {
      if (!(err instanceof NodeResourceError)) throw err;
      throw new ServiceStopError(`${resource.type} ${resource.name} could not be stopped on ${node.hostname}: ${err.message}`, err.retryable, nodeId, resource.id);
    }
    const latencyMs = Math.round(performance.now() - t0);
    await this.recordStopped(
      scope,
      resource.id,
      nodeId,
      { action: 'AGENT', outcome: done.outcome, detail: done.detail, exitCode: done.exitCode, agentLatencyMs: done.latencyMs, latencyMs, reason: options.reason },
      `${resource.type} ${resource.name} ${done.outcome === 'ALREADY' ? 'already down' : 'stopped'} on ${node.hostname} by its agent in ${latencyMs} ms: ${done.detail}`,
    );
  }

  /** Records that the resource is (to be) on `nodeId`: the write-ahead before a start, or the finding that a VM runs there. */
  private async place(scope: TenantScope, claim: ServiceClaim, resource: ResourceEntity, nodeId: string, ref: string | null, alreadyRunning: boolean): Promise<void> {
    await this.store.transaction(async (repos) => {
      await this.lockOwned(repos, claim);
      const r = await repos.resources.lock(scope, resource.id);
      const before = r.placedNodeId ?? null;
      if (before === nodeId && !alreadyRunning) return;
      r.placedNodeId = nodeId;
      if (before !== nodeId) await repos.resources.update(scope, r.id, { placedNodeId: r.placedNodeId ?? null });
      await appendEvent(repos, scope, {
        clusterId: r.clusterId,
        type: alreadyRunning ? 'resource.started' : 'resource.placed',
        objectType: 'Resource',
        objectId: r.id,
        serviceId: r.serviceId,
        nodeId,
        before: { placedNodeId: before },
        after: alreadyRunning ? { placedNodeId: nodeId, vmRef: ref, action: 'ALREADY_RUNNING' } : { placedNodeId: nodeId, vmRef: ref },
        message: alreadyRunning ? `VM ${ref} already active on the target: no start needed` : `${ref !== null ? `VM ${ref}` : `${resource.type} ${resource.name}`} placed on the target before its start (write-ahead)`,
      });
    });
  }

  private async resourceEvent(scope: TenantScope, resource: ResourceEntity, nodeId: string | null, type: EventTypeOf<'Resource'>, after: Record<string, unknown>, message: string): Promise<void> {
    await this.store.transaction((repos) =>
      appendEvent(repos, scope, {
        clusterId: resource.clusterId,
        type,
        objectType: 'Resource',
        objectId: resource.id,
        serviceId: resource.serviceId,
        nodeId,
        after,
        message: message.slice(0, 1024),
      }),
    );
  }
}

/**
 * The nodes worth asking where a VM runs: all but those a fence has powered off (status FENCED
 * until they rejoin), which run nothing and whose dead host would only make every start wait for
 * its deadline. A failed node that was not fenced is asked: it may still run the VM.
 */
function searchable(nodes: readonly NodeEntity[], keep?: string): NodeEntity[] {
  return nodes.filter((n) => n.status !== NodeStatus.FENCED || n.id === keep);
}

function refsOf(resources: readonly ResourceEntity[]): string[] {
  return resources.map(vmRefOf).filter((r): r is string => r !== null);
}

/** What the node agent gets of a resource: its identity and its type's spec (commands, address, volume), nothing sealed. */
/** A non-VM resource as its node agent receives it. */
export function agentResource(resource: Pick<ResourceEntity, 'id' | 'name' | 'type' | 'spec'>): { id: string; name: string; type: AgentResourceType; spec: Record<string, unknown> } {
  const type = resource.type as AgentResourceType;
  const spec = readResourceSpec(type, resource.spec)[SPEC_FIELD[type]] ?? {};
  return { id: resource.id, name: resource.name, type, spec: { ...spec } };
}

function toStartError(err: unknown, nodeId: string, resource: ResourceEntity | null, secrets: readonly string[]): ServiceStartError {
  if (err instanceof ServiceStartError) return err;
  if (err instanceof NodeResourceError) {
    const kind = err.kind === 'AGENT_UNREACHABLE' ? 'TARGET_UNREACHABLE' : 'RESOURCE_FAILED';
    return new ServiceStartError(kind, redact(err.message, secrets), err.retryable, nodeId, resource?.id ?? null, null, err.result?.exitCode ?? null);
  }
  const ref = resource ? vmRefOf(resource) : null;
  if (err instanceof AdapterError) {
    const kind = err.kind === 'UNREACHABLE' ? 'TARGET_UNREACHABLE' : 'ADAPTER';
    return new ServiceStartError(kind, `${ref ? `VM ${ref}: ` : ''}${redact(adapterMessage(err), secrets)}`, err.retryable, nodeId, resource?.id ?? null, ref);
  }
  throw err;
}
