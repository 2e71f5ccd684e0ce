import { ServiceState } from '@haaas/domain';
import { deadline, VmDefinition } from '@haaas/hypervisor';
import type { NodeService, HypervisorAdapters } from '@haaas/management';
import type { NodeEntity, Repositories, ResourceEntity, Store } from '@haaas/persistence';
import { redact } from '@haaas/secrets';
import type { NodeResourceDriver } from '@haaas/node-actions';
import { startOrder, vmRefOf } from './cluster-view';
import { adapterMessage, HostSessions } from './hypervisor-hosts';
import type { ResolvedRecoveryOptions } from './recovery.options';
import { ClaimLostError, ServiceClaim } from './service-claims';
import { agentResource, LoadedService, refsOf, searchable, ServiceRecords } from './service-records';
import { ResourceStart, ServiceStartError, StartedService, StartServiceOptions, toStartError } from './service-run.types';
import { locateVms, VmSearch } from './vm-locator';
import { NO_SIZE, sizeFromDefinition } from './vm-size.util';

/** What a start needs of the runner. */
export interface StartDeps {
  readonly store: Store;
  readonly records: ServiceRecords;
  readonly nodes: NodeService;
  readonly adapters: HypervisorAdapters;
  readonly options: ResolvedRecoveryOptions;
  readonly nodeResources: NodeResourceDriver;
}

/**
 * One start of a service on a node, in the steps ServiceRunner's class comment lists: mark it
 * STARTING, locate its VMs, start each resource in order (write-ahead placement first), export the
 * definitions, store those that changed, and record STARTED (or the failure). One object per call.
 */
export class ServiceStart {
  private readonly signal: AbortSignal;
  private readonly sessions: HostSessions;
  private readonly resources: ResourceEntity[];
  private readonly target: NodeEntity | undefined;
  /** The resource being started, for the error's record. */
  private current: ResourceEntity | null = null;

  constructor(
    private readonly deps: StartDeps,
    private readonly claim: ServiceClaim,
    private readonly nodeId: string,
    private readonly opts: StartServiceOptions,
    private readonly loaded: LoadedService,
    private readonly startedAt: number,
  ) {
    this.resources = startOrder(loaded.resources);
    this.signal = opts.signal ? AbortSignal.any([claim.signal, opts.signal]) : claim.signal;
    this.target = loaded.nodes.find((n) => n.id === nodeId);
    this.sessions = new HostSessions(claim.scope, loaded.cluster.hypervisor, deps.adapters, deps.nodes);
  }

  async run(): Promise<StartedService> {
    try {
      const target = this.target;
      if (!target) throw new ServiceStartError('NOT_IN_CLUSTER', `node ${this.nodeId} is not a node of the service's cluster`, false, this.nodeId);
      await this.markStarting(target);
      const search = await locateVms(this.sessions, searchable(this.loaded.nodes, this.nodeId), refsOf(this.resources), this.deps.options.locateDeadlineMs, this.signal);
      const targetDown = search.unreachable.find((u) => u.nodeId === this.nodeId);
      if (targetDown && search.vms.size > 0) throw new ServiceStartError('TARGET_UNREACHABLE', `${target.hostname} did not answer: ${targetDown.error}`, true, this.nodeId);
      const records: ResourceStart[] = [];
      for (const resource of this.resources) {
        this.current = resource;
        this.claim.assertHeld();
        records.push(vmRefOf(resource) === null ? await this.startOnAgent(target, resource) : await this.startVm(target, resource, search));
      }
      this.current = null;
      const { definitions, exportErrors } = await this.exportDefinitions(target);
      const result: StartedService = { serviceId: this.loaded.service.id, nodeId: this.nodeId, resources: records, definitionsStored: 0, latencyMs: Math.round(performance.now() - this.startedAt) };
      const stored = await this.storeDefinitions(definitions);
      await this.markStarted(target, result, stored, exportErrors);
      return { ...result, definitionsStored: stored };
    } catch (err) {
      throw await this.failed(err);
    } finally {
      await this.sessions.close();
    }
  }

  private markStarting(target: NodeEntity): Promise<void> {
    return this.deps.records.transition(this.claim, {
      state: this.opts.startingState ?? ServiceState.STARTING,
      type: 'service.starting',
      nodeId: this.nodeId,
      before: (s) => ({ state: s.state, currentNodeId: s.currentNodeId }),
      after: { state: this.opts.startingState ?? ServiceState.STARTING, targetNodeId: this.nodeId, hostname: target.hostname, reason: this.opts.reason },
      message: `starting on ${target.hostname}: ${this.opts.reason}`,
    });
  }

  /** An IP, APPLICATION or VOLUME resource, by the target's agent; write-ahead as for VMs, so a failed or crashed start is cleaned up (stopped) on this node. */
  private async startOnAgent(target: NodeEntity, resource: ResourceEntity): Promise<ResourceStart> {
    const t0 = performance.now();
    await this.deps.records.place(this.claim, resource, this.nodeId, null, false);
    const done = await this.deps.nodeResources.start(
      { scope: this.claim.scope, nodeId: this.nodeId, hostname: target.hostname },
      { resource: agentResource(resource), timeoutMs: this.loaded.service.startTimeoutSeconds * 1000, signal: this.signal },
    );
    const latencyMs = Math.round(performance.now() - t0);
    await this.deps.records.resourceEvent(
      this.claim.scope,
      resource,
      this.nodeId,
      'resource.started',
      { action: 'AGENT', outcome: done.outcome, detail: done.detail, exitCode: done.exitCode, agentLatencyMs: done.latencyMs, latencyMs },
      `${resource.type} ${resource.name} ${done.outcome === 'ALREADY' ? 'already up' : 'started'} on ${target.hostname} by its agent in ${latencyMs} ms: ${done.detail}`,
    );
    return { resourceId: resource.id, name: resource.name, type: resource.type, vmRef: null, action: 'AGENT', latencyMs, outcome: done.outcome, detail: done.detail, exitCode: done.exitCode };
  }

  /** A VM: never a second copy; done when it runs on the target; registered there from its kept definition when the target does not know it. */
  private async startVm(target: NodeEntity, resource: ResourceEntity, search: VmSearch): Promise<ResourceStart> {
    const t0 = performance.now();
    const ref = vmRefOf(resource) as string;
    const where = search.vms.get(ref);
    const elsewhere = (where?.activeOn ?? []).filter((n) => n !== this.nodeId);
    if (elsewhere.length > 0) {
      const names = elsewhere.map((n) => this.loaded.nodes.find((x) => x.id === n)?.hostname ?? n).join(', ');
      throw new ServiceStartError('VM_ACTIVE_ELSEWHERE', `VM ${ref} is already active on ${names}: not starting a second copy on ${target.hostname}`, false, this.nodeId, resource.id, ref);
    }
    if (where?.activeOn.includes(this.nodeId)) {
      // started before (a retry after a crash, or by someone else): done, no second start
      await this.deps.records.place(this.claim, resource, this.nodeId, ref, true);
      return { resourceId: resource.id, name: resource.name, type: resource.type, vmRef: ref, action: 'ALREADY_RUNNING', latencyMs: Math.round(performance.now() - t0) };
    }
    // write-ahead: a retry after a crash from here on checks this node first
    await this.deps.records.place(this.claim, resource, this.nodeId, ref, false);
    const host = await this.sessions.host(target);
    const registered = !where?.knownOn.includes(this.nodeId);
    if (registered) await this.register(target, resource, ref);
    await host.startVm(ref, { signal: deadline(this.loaded.service.startTimeoutSeconds * 1000, this.signal) });
    const latencyMs = Math.round(performance.now() - t0);
    const action = registered ? 'REGISTERED_AND_STARTED' : 'STARTED';
    await this.deps.records.resourceEvent(this.claim.scope, resource, this.nodeId, 'resource.started', { vmRef: ref, action, latencyMs }, `VM ${ref} ${registered ? 'registered and ' : ''}started on ${target.hostname} in ${latencyMs} ms`);
    return { resourceId: resource.id, name: resource.name, type: resource.type, vmRef: ref, action, latencyMs };
  }

  private async register(target: NodeEntity, resource: ResourceEntity, ref: string): Promise<void> {
    const fresh = await this.deps.store.repos.resources.get(this.claim.scope, resource.id);
    if (!fresh.vmDefinition || !fresh.vmDefinitionFormat) {
      throw new ServiceStartError('NO_DEFINITION', `${target.hostname} does not know VM ${ref} and no definition of it is kept to register it there`, false, this.nodeId, resource.id, ref);
    }
    const definition: VmDefinition = { ref, format: fresh.vmDefinitionFormat as VmDefinition['format'], data: fresh.vmDefinition };
    const host = await this.sessions.host(target);
    await host.registerVm(definition, { signal: deadline(this.deps.options.registerDeadlineMs, this.signal) });
  }

  /** Keeps the definitions fresh while this host is alive: they are what recovery registers elsewhere. */
  private async exportDefinitions(target: NodeEntity): Promise<{ readonly definitions: Map<string, VmDefinition>; readonly exportErrors: string[] }> {
    const definitions = new Map<string, VmDefinition>();
    const exportErrors: string[] = [];
    for (const resource of this.resources) {
      const ref = vmRefOf(resource);
      if (ref === null) continue;
      try {
        const host = await this.sessions.host(target);
        definitions.set(resource.id, await host.exportVm(ref, { signal: deadline(this.deps.options.registerDeadlineMs, this.signal) }));
      } catch (err) {
        exportErrors.push(`${ref}: ${redact(adapterMessage(err), this.sessions.knownSecrets)}`);
      }
    }
    return { definitions, exportErrors };
  }

  /**
   * Stores the definitions that changed (or whose size is not recorded yet), compared with the rows
   * read at the start (only this claim's holder writes them), in a transaction of their own: the
   * last one holds the caller's locks (an incident's), so it does no more than it must.
   */
  private async storeDefinitions(definitions: ReadonlyMap<string, VmDefinition>): Promise<number> {
    const changed = this.resources.filter((r) => {
      const def = definitions.get(r.id);
      return def !== undefined && !(r.vmDefinition === def.data && r.vmDefinitionFormat === def.format && r.vmCpus != null);
    });
    if (changed.length === 0) return 0;
    await this.deps.store.transaction(async (repos) => {
      await this.deps.records.lockOwned(repos, this.claim);
      for (const r of changed) {
        const def = definitions.get(r.id);
        if (!def) continue;
        // the size goes with the definition, so placement never reads definitions (0: it states none)
        const size = sizeFromDefinition(def.format, def.data) ?? NO_SIZE;
        await repos.resources.update(this.claim.scope, r.id, { vmDefinition: def.data, vmDefinitionFormat: def.format, vmCpus: size.cpus, vmMemoryMb: size.memoryMb });
      }
    });
    return changed.length;
  }

  private async markStarted(target: NodeEntity, result: StartedService, stored: number, exportErrors: readonly string[]): Promise<void> {
    const records = result.resources;
    await this.deps.store.transaction(async (repos: Repositories) => {
      const finish = this.opts.onStarted ? await this.opts.onStarted(repos, result) : undefined;
      await this.deps.records.transitionIn(repos, this.claim, {
        state: ServiceState.STARTED,
        currentNodeId: this.nodeId,
        type: 'service.started',
        nodeId: this.nodeId,
        before: (s) => ({ state: s.state, currentNodeId: s.currentNodeId }),
        after: {
          state: ServiceState.STARTED,
          currentNodeId: this.nodeId,
          hostname: target.hostname,
          resources: records,
          definitionsStored: stored,
          ...(exportErrors.length > 0 ? { definitionExportErrors: exportErrors } : {}),
          latencyMs: result.latencyMs,
          reason: this.opts.reason,
        },
        message: `running on ${target.hostname} (${records.length} resource${records.length === 1 ? '' : 's'}, ${result.latencyMs} ms)`,
      });
      if (finish) await finish(repos);
    });
  }

  /** What to throw after `err`: a lost claim or the caller's abort as they are; anything else recorded as the start's failure. */
  private async failed(err: unknown): Promise<unknown> {
    const claim = this.claim;
    if (err instanceof ClaimLostError || claim.signal.aborted) return err instanceof ClaimLostError ? err : new ClaimLostError(claim.serviceId, claim.owner);
    // the caller stopped us (a worker shutting down): not a failure of the node; the placement
    // written ahead makes whoever resumes check the target first
    if (this.opts.signal?.aborted) return err;
    const failure = toStartError(err, this.nodeId, this.current, this.sessions.knownSecrets);
    await this.deps.store.transaction(async (repos) => {
      const outcome = this.opts.onFailed ? await this.opts.onFailed(repos, failure) : undefined;
      const state = outcome?.serviceState ?? this.opts.failedState ?? ServiceState.FAILED;
      await this.deps.records.transitionIn(repos, claim, {
        state,
        currentNodeId: outcome?.currentNodeId,
        type: 'service.start_failed',
        nodeId: this.nodeId,
        before: (s) => ({ state: s.state }),
        after: {
          state,
          targetNodeId: this.nodeId,
          kind: failure.kind,
          retryable: failure.retryable,
          resourceId: failure.resourceId,
          vmRef: failure.vmRef,
          ...(failure.exitCode !== null ? { exitCode: failure.exitCode } : {}),
          error: failure.message,
          reason: this.opts.reason,
          ...(outcome?.note ?? {}),
        },
        message: `start on ${this.target?.hostname ?? this.nodeId} failed: ${failure.message}`.slice(0, 1024),
      });
    });
    return failure;
  }
}
