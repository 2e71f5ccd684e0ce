import { ServiceState } from '@haaas/domain';
import { AdapterError, deadline } from '@haaas/hypervisor';
import type { NodeEntity, ResourceEntity } from '@haaas/persistence';
import { redact } from '@haaas/secrets';
import { NodeResourceError } from '@haaas/node-actions';
import type { NodeResourceDone } from '@haaas/node-actions';
import { startOrder, vmRefOf } from './cluster-view';
import { adapterMessage, HostSessions } from './hypervisor-hosts';
import type { ServiceClaim } from './service-claims';
import { agentResource, LoadedService, refsOf, searchable } from './service-records';
import { ServiceStopError, StoppedService, StopServiceOptions } from './service-run.types';
import type { StartDeps } from './service-start';
import { locateVms, VmSearch } from './vm-locator';

/**
 * One stop of a service: mark it STOPPING, stop its resources in reverse order (each VM on the
 * node it was placed on, gracefully then forced; other resources by that node's agent), then
 * record STOPPED with no node; `keepServiceState` leaves the service's row alone. One object per call.
 */
export class ServiceStop {
  private readonly signal: AbortSignal;
  private readonly sessions: HostSessions;
  private readonly stopped: { resourceId: string; vmRef: string; nodeId: string }[] = [];

  constructor(
    private readonly deps: StartDeps,
    private readonly claim: ServiceClaim,
    private readonly opts: StopServiceOptions,
    private readonly loaded: LoadedService,
    private readonly startedAt: number,
  ) {
    this.signal = opts.signal ? AbortSignal.any([claim.signal, opts.signal]) : claim.signal;
    this.sessions = new HostSessions(claim.scope, loaded.cluster.hypervisor, deps.adapters, deps.nodes);
  }

  async run(): Promise<StoppedService> {
    const { service, resources } = this.loaded;
    const opts = this.opts;
    try {
      if (!opts.keepServiceState) {
        await this.deps.records.transition(this.claim, {
          state: ServiceState.STOPPING,
          type: 'service.stopping',
          before: (s) => ({ state: s.state }),
          after: { state: ServiceState.STOPPING, force: opts.force ?? false, reason: opts.reason },
          message: `stopping: ${opts.reason}`,
        });
      }
      // VMs without a recorded placement are looked for, so a stop never leaves one running unseen
      const unplaced = resources.filter((r) => vmRefOf(r) !== null && !r.placedNodeId && !service.currentNodeId);
      const search = unplaced.length > 0 && !opts.onlyNodeId ? await locateVms(this.sessions, searchable(this.loaded.nodes), refsOf(unplaced), this.deps.options.locateDeadlineMs, this.signal) : null;
      for (const resource of startOrder(resources).reverse()) {
        this.claim.assertHeld();
        if (vmRefOf(resource) === null) await this.stopOnAgent(resource);
        else await this.stopVm(resource, search);
      }
      if (!opts.keepServiceState) {
        const stopped = this.stopped;
        await this.deps.records.transition(this.claim, {
          state: ServiceState.STOPPED,
          currentNodeId: null,
          type: 'service.stopped',
          before: (s) => ({ state: s.state, currentNodeId: s.currentNodeId }),
          after: { state: ServiceState.STOPPED, currentNodeId: null, stopped, reason: opts.reason },
          message: `stopped (${stopped.length} VM${stopped.length === 1 ? '' : 's'})`,
        });
      }
      return { serviceId: service.id, stopped: this.stopped, latencyMs: Math.round(performance.now() - this.startedAt) };
    } finally {
      await this.sessions.close();
    }
  }

  /** A VM, on every node it may run on (its placement, else the service's node, else where the search found it active). */
  private async stopVm(resource: ResourceEntity, search: VmSearch | null): Promise<void> {
    const ref = vmRefOf(resource) as string;
    const service = this.loaded.service;
    const onNodes = resource.placedNodeId ? [resource.placedNodeId] : service.currentNodeId ? [service.currentNodeId] : [...(search?.vms.get(ref)?.activeOn ?? [])];
    for (const nodeId of onNodes) {
      if (this.opts.onlyNodeId && nodeId !== this.opts.onlyNodeId) continue;
      const node = this.loaded.nodes.find((n) => n.id === nodeId);
      if (node) await this.stopVmOn(node, resource, ref);
    }
  }

  private async stopVmOn(node: NodeEntity, resource: ResourceEntity, ref: string): Promise<void> {
    const spec = resource.spec as { shutdownTimeoutSeconds?: unknown };
    const graceSeconds = typeof spec.shutdownTimeoutSeconds === 'number' ? spec.shutdownTimeoutSeconds : this.loaded.service.stopTimeoutSeconds;
    const gracefulTimeoutMs = this.opts.force ? 0 : graceSeconds * 1000;
    const t0 = performance.now();
    try {
      const host = await this.sessions.host(node);
      await host.stopVm(ref, { gracefulTimeoutMs, signal: deadline(gracefulTimeoutMs + this.deps.options.forcedStopDeadlineMs, this.signal) });
    } catch (err) {
      if (!(err instanceof AdapterError && err.kind === 'NOT_FOUND')) {
        const message = `VM ${ref} could not be stopped on ${node.hostname}: ${redact(adapterMessage(err), this.sessions.knownSecrets)}`;
        throw new ServiceStopError(message, err instanceof AdapterError ? err.retryable : true, node.id, resource.id);
      }
    }
    this.stopped.push({ resourceId: resource.id, vmRef: ref, nodeId: node.id });
    const latencyMs = Math.round(performance.now() - t0);
    await this.deps.records.recordStopped(this.claim.scope, resource.id, node.id, { vmRef: ref, forced: gracefulTimeoutMs === 0, latencyMs, reason: this.opts.reason }, `VM ${ref} stopped on ${node.hostname} in ${latencyMs} ms`);
  }

  /**
   * Stops an IP, APPLICATION or VOLUME resource through the agent of the node it was placed on (else
   * the service's node), then forgets the placement. Nowhere to stop it: nothing to do.
   */
  private async stopOnAgent(resource: ResourceEntity): Promise<void> {
    const service = this.loaded.service;
    const nodeId = resource.placedNodeId ?? service.currentNodeId;
    if (!nodeId || (this.opts.onlyNodeId && nodeId !== this.opts.onlyNodeId)) return;
    const node = this.loaded.nodes.find((n) => n.id === nodeId);
    if (!node) return;
    const t0 = performance.now();
    let done: NodeResourceDone;
    try {
      done = await this.deps.nodeResources.stop({ scope: this.claim.scope, nodeId, hostname: node.hostname }, { resource: agentResource(resource), timeoutMs: service.stopTimeoutSeconds * 1000, signal: this.signal });
    } catch (err) {
      if (!(err instanceof NodeResourceError)) throw err;
      throw new ServiceStopError(`${resource.type} ${resource.name} could not be stopped on ${node.hostname}: ${err.message}`, err.retryable, nodeId, resource.id);
    }
    const latencyMs = Math.round(performance.now() - t0);
    await this.deps.records.recordStopped(
      this.claim.scope,
      resource.id,
      nodeId,
      { action: 'AGENT', outcome: done.outcome, detail: done.detail, exitCode: done.exitCode, agentLatencyMs: done.latencyMs, latencyMs, reason: this.opts.reason },
      `${resource.type} ${resource.name} ${done.outcome === 'ALREADY' ? 'already down' : 'stopped'} on ${node.hostname} by its agent in ${latencyMs} ms: ${done.detail}`,
    );
  }
}
