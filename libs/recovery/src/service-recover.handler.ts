import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { IncidentState, ServiceRecovery, ServiceRecoveryState, ServiceState, TenantScope } from '@haaas/domain';
import { appendEvents } from '@haaas/management';
import { Store } from '@haaas/persistence';
import type { JobContext, JobHandler, JobPayloads } from '@haaas/queue';
import { clusterOrderBlocker } from './cluster-order';
import { IncidentLedger, isInFlight, recoveryScope } from './incident.ledger';
import { placeInOrder, PlacementStep } from './placement-step';
import { RECOVERY_OPTIONS } from '@haaas/engine-runtime';
import type { ResolvedRecoveryOptions } from '@haaas/engine-runtime';
import { RecoveryQueue } from './recovery.queue';
import { ServiceClaim } from '@haaas/engine-runtime';
import { ServiceRunner, ServiceStartError, ServiceStopError } from '@haaas/engine-runtime';

/**
 * The claim owner of one run of a recovery job: the incident, this worker process (its tag cut to
 * 14 characters) and the run, at most 64 characters (the column's size). The run's part matters:
 * a worker frozen by SIGSTOP past its job lock may, once woken, be handed the same job again while
 * its first run continues; with one owner, both runs would pass every claim check (seed 1212 of
 * the fault campaign, test recovery-duplicate-job.int-spec.ts).
 */
export function recoveryClaimOwner(incidentId: string, workerTag: string, run: string = randomBytes(4).toString('hex')): string {
  return `rcv:${incidentId}:${workerTag.slice(0, 14)}:${run}`;
}

/**
 * `service.recover`: carries one admitted service of an incident to RUNNING or FAILED, holding the
 * service's claim throughout (no other job or operation acts on it meanwhile):
 * PLACING → choose a node (`placeService` on the cluster as it is now, with what the incident has
 * placed already, the failed node and the nodes tried excluded; `nextTarget` within the
 * relocation budget), or FAILED when none is left; STARTING → start it there (ServiceRunner);
 * a failed start → RETRYING on the same node after the backoff, or PLACING for the next node, or
 * FAILED (the incident machine's retry and relocation rules); RETRYING → wait, then start again.
 * Every decision is written before it is acted on, so a retried job continues from the rows.
 * When done, it queues the services the incident admitted meanwhile (the next ones of the same
 * priority, or the next priority once this one has settled).
 */
@Injectable()
export class ServiceRecoverHandler implements JobHandler<'service.recover'> {
  readonly job = 'service.recover' as const;
  /** incident/service → the service it was last logged waiting for (one service.recovery_waiting per blocker). */
  private readonly waitingFor = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly ledger: IncidentLedger,
    private readonly queue: RecoveryQueue,
    private readonly runner: ServiceRunner,
    @Inject(RECOVERY_OPTIONS) private readonly options: ResolvedRecoveryOptions,
  ) {}

  async handle(payload: JobPayloads['service.recover'], context?: JobContext): Promise<void> {
    const scope = recoveryScope(payload.tenantId);
    const { state, service } = await this.ledger.readService(scope, payload.incidentId, payload.serviceId);
    if (state === IncidentState.RECOVERING && service && isInFlight(service)) {
      // one priority order per cluster: wait (without a worker slot or the claim) while another incident goes first
      if (service.state === ServiceRecoveryState.PLACING && (await this.waitForTurn(scope, payload, service, context))) return;
      const claim = await this.runner.claim(scope, payload.serviceId, recoveryClaimOwner(payload.incidentId, this.options.workerTag), {
        waitMs: this.options.claimWaitMs,
        pollMs: this.options.claimPollMs,
        ...(context ? { signal: context.signal } : {}),
      });
      try {
        await this.drive(scope, payload, claim, context);
      } finally {
        await claim.release();
      }
    }
    // the next services: admitted by this one settling (or already queued: ids are idempotent)
    const after = await this.ledger.read(scope, payload.incidentId, { policiesOf: payload.serviceId });
    if (after.incident.state === IncidentState.RECOVERING) await this.queue.enqueueServices(payload.tenantId, after.incident);
  }

  /**
   * True when a service of another open incident of the cluster goes first (`clusterOrderBlocker`):
   * the job is put back in the queue for `orderRecheckMs` (through the job context), or, called
   * without one, the caller waits here. Logged once per blocker.
   */
  private async waitForTurn(scope: TenantScope, p: JobPayloads['service.recover'], s: ServiceRecovery, context?: JobContext): Promise<boolean> {
    const row = await this.store.repos.incidents.get(scope, p.incidentId);
    const blocker = await clusterOrderBlocker(this.store.repos, scope, { clusterId: row.clusterId, incidentId: p.incidentId }, { serviceId: p.serviceId, priority: s.priority });
    if (!blocker) return false;
    const key = `${p.incidentId}/${p.serviceId}`;
    if (this.waitingFor.get(key) !== blocker.serviceId) {
      this.waitingFor.set(key, blocker.serviceId);
      if (this.waitingFor.size > 10_000) this.waitingFor.clear();
      await this.store.transaction((repos) =>
        appendEvents(repos, scope, [
          {
            clusterId: row.clusterId,
            type: 'service.recovery_waiting',
            objectType: 'Service',
            objectId: p.serviceId,
            serviceId: p.serviceId,
            nodeId: row.nodeId,
            after: { incidentId: p.incidentId, priority: s.priority, blockedBy: blocker },
            message: `waits for the cluster's recovery order: ${blocker.reason}`.slice(0, 1024),
          },
        ]),
      );
    }
    if (context) await context.retryLater(this.options.orderRecheckMs);
    await new Promise((resolve) => setTimeout(resolve, this.options.orderRecheckMs));
    return this.waitForTurn(scope, p, s);
  }

  private async drive(scope: TenantScope, p: JobPayloads['service.recover'], claim: ServiceClaim, context?: JobContext): Promise<void> {
    // each step changes the service's recovery or returns; the bound only stops a bug from spinning
    for (let step = 0; step < 1000; step++) {
      claim.assertHeld();
      if (context?.signal.aborted) throw new Error('the worker is shutting down: the job will be taken up again');
      // this service's row only: the step's own transaction re-checks it under the incident lock
      const { state, service: s } = await this.ledger.readService(scope, p.incidentId, p.serviceId);
      if (!s || state !== IncidentState.RECOVERING || !isInFlight(s)) return;
      switch (s.state) {
        case ServiceRecoveryState.PLACING:
          await this.place(scope, p, s, claim);
          break;
        case ServiceRecoveryState.STARTING:
          await this.start(scope, p, s, claim, context);
          break;
        case ServiceRecoveryState.RETRYING:
          await this.retryWhenDue(scope, p, s, claim, context);
          break;
        default:
          return;
      }
    }
    throw new Error(`service ${p.serviceId} of incident ${p.incidentId} did not settle in 1000 steps`);
  }

  /** Chooses the next node (or fails the service), after powering off what a given-up node may still run. */
  private async place(scope: TenantScope, p: JobPayloads['service.recover'], s: ServiceRecovery, claim: ServiceClaim): Promise<void> {
    const lastTried = s.triedNodeIds[s.triedNodeIds.length - 1];
    let cleanup: string | null = null;
    if (lastTried !== undefined) {
      // a start that failed half-way may have left VMs on the node given up: never leave a copy behind
      try {
        await this.runner.stop(claim, { reason: `recovery of incident ${p.incidentId}: ${lastTried} given up`, onlyNodeId: lastTried, force: true, keepServiceState: true });
      } catch (err) {
        if (!(err instanceof ServiceStopError)) throw err;
        cleanup = err.message;
      }
    }
    let waiting: PlacementStep['waiting'];
    let clusterId = '';
    let failedNodeId = '';
    await this.ledger.apply(
      scope,
      p.incidentId,
      async (snap) => {
        const cur = snap.incident.services.find((x) => x.serviceId === p.serviceId);
        if (!cur || cur.state !== ServiceRecoveryState.PLACING || !snap.view) return { events: [] };
        const decided = placeInOrder(snap.incident, p.serviceId, snap.view, { failedNodeId: snap.row.nodeId, reservedHosts: this.options.recovery.reservedHosts, atMs: Date.now() });
        if (cleanup) decided.serviceNotes.set(p.serviceId, { ...decided.serviceNotes.get(p.serviceId), cleanupError: cleanup });
        ({ waiting } = decided);
        clusterId = snap.row.clusterId;
        failedNodeId = snap.row.nodeId;
        return decided;
      },
      // the nodes' usage summed by the database and this service's own rows: not the whole cluster
      { placementOf: p.serviceId },
    );
    if (waiting) await this.waitForLiveness(scope, p, { clusterId, failedNodeId, ...waiting }, claim);
  }

  /**
   * The service has no target until nodes of unknown liveness beat (the control plane lost its
   * heartbeats, e.g. Redis restarted empty): logged once, then waits a little (keeping the claim)
   * and the next step places again. Bounded: a node still silent a deadtime after the record began
   * counts as silent, and the service gets its usual NO_CANDIDATE.
   */
  private async waitForLiveness(scope: TenantScope, p: JobPayloads['service.recover'], w: NonNullable<PlacementStep['waiting']> & { readonly clusterId: string; readonly failedNodeId: string }, claim: ServiceClaim): Promise<void> {
    const key = `${p.incidentId}/${p.serviceId}`;
    if (this.waitingFor.get(key) !== LIVENESS) {
      this.waitingFor.set(key, LIVENESS);
      await this.store.transaction((repos) =>
        appendEvents(repos, scope, [
          {
            clusterId: w.clusterId,
            type: 'service.recovery_waiting',
            objectType: 'Service',
            objectId: p.serviceId,
            serviceId: p.serviceId,
            nodeId: w.failedNodeId,
            after: { incidentId: p.incidentId, reason: 'LIVENESS_UNKNOWN', nodeIds: w.nodeIds, waitMs: Math.round(w.waitMs) },
            message: `waits up to ${Math.ceil(w.waitMs / 1000)} s for heartbeats: ${w.nodeIds.length} node(s) not heard from since the heartbeat record was lost`,
          },
        ]),
      );
    }
    await abortableSleep(Math.min(w.waitMs, this.options.orderRecheckMs), claim.signal);
  }

  /** Starts the service on its target; the outcome is recorded with the runner's own writes. */
  private async start(scope: TenantScope, p: JobPayloads['service.recover'], s: ServiceRecovery, claim: ServiceClaim, context?: JobContext): Promise<void> {
    const target = s.targetNodeId;
    if (!target) throw new Error(`service ${p.serviceId} is STARTING without a target`);
    try {
      await this.runner.start(claim, target, {
        reason: `recovery of incident ${p.incidentId} (attempt ${s.attempts}, ${s.targetAttempts} on this node)`,
        startingState: ServiceState.RECOVERING,
        failedState: ServiceState.RECOVERING,
        ...(context ? { signal: context.signal } : {}),
        onStarted: async (repos) => {
          // the incident's entries (service.recovered, perhaps incident.recovered) after the runner's service.started
          const t = await this.ledger.applyIn(repos, scope, p.incidentId, async () => ({ events: [{ type: 'SERVICE_RUNNING', atMs: Date.now(), serviceId: p.serviceId, nodeId: target }] }), { policiesOf: p.serviceId }, { deferEvents: true });
          return async (later) => appendEvents(later, scope, t.events ?? []);
        },
        onFailed: async (repos, error) => {
          const t = await this.ledger.applyIn(repos, scope, p.incidentId, async () => ({
            events: [{ type: 'SERVICE_START_FAILED', atMs: Date.now(), serviceId: p.serviceId, nodeId: target, error: error.message, retryable: error.retryable }],
          }), { policiesOf: p.serviceId });
          const after = t.after.services.find((x) => x.serviceId === p.serviceId);
          if (!after) return;
          const note = decisionNote(after);
          return after.state === ServiceRecoveryState.FAILED ? { serviceState: ServiceState.FAILED, currentNodeId: null, note } : { serviceState: ServiceState.RECOVERING, note };
        },
      });
    } catch (err) {
      // recorded with the decision (retry, relocate or fail): the next step reads it
      if (err instanceof ServiceStartError) return;
      throw err;
    }
  }

  /** Waits for the backoff (keeping the claim), then starts again on the same node. */
  private async retryWhenDue(scope: TenantScope, p: JobPayloads['service.recover'], s: ServiceRecovery, claim: ServiceClaim, context?: JobContext): Promise<void> {
    const waitMs = (s.retryAtMs ?? 0) - Date.now();
    if (waitMs > 0) await abortableSleep(waitMs, context ? AbortSignal.any([claim.signal, context.signal]) : claim.signal);
    await this.ledger.apply(scope, p.incidentId, async () => ({ events: [{ type: 'SERVICE_RETRY_DUE', atMs: Math.max(Date.now(), s.retryAtMs ?? 0), serviceId: p.serviceId }] }), { policiesOf: p.serviceId });
  }
}

/** The waitingFor entry of a service waiting for heartbeats (service ids never look like this). */
const LIVENESS = '(liveness)';

/** Waits `ms`; rejects when the claim is lost or the worker shuts down meanwhile. */
async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if (signal.aborted) throw new Error('the wait was interrupted (claim lost or worker shutting down)');
    throw err;
  }
}

/** What the incident machine decided after a failed start, for the start_failed event. */
function decisionNote(after: ServiceRecovery): Record<string, unknown> {
  switch (after.state) {
    case ServiceRecoveryState.RETRYING:
      return { decision: 'RETRY', retryAt: after.retryAtMs === null ? null : new Date(after.retryAtMs).toISOString(), targetAttempts: after.targetAttempts, attempts: after.attempts };
    case ServiceRecoveryState.PLACING:
      return { decision: 'RELOCATE', triedNodeIds: after.triedNodeIds, attempts: after.attempts, why: after.reason };
    case ServiceRecoveryState.FAILED:
      return { decision: 'FAILED', reason: after.reason, attempts: after.attempts };
    default:
      return { decision: after.state };
  }
}
