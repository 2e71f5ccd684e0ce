import { retryDecision } from './budget.policy';
import { DEFAULT_RETRY_POLICY } from './engine.settings';
import { PlannedOutcome } from './recovery.planner';
import {
  AwaitingReason,
  FenceStepState,
  type Incident,
  type IncidentEvent,
  IncidentState,
  type IncidentTransition,
  type OpenIncidentInput,
  RtoOutcome,
  type ServiceRecovery,
  ServiceRecoveryState,
} from './incident.types';

/** A new incident in DETECTED, from the recovery plan computed at declaration. */
export function openIncident(input: OpenIncidentInput): Incident {
  const plan = input.plan;
  const services: ServiceRecovery[] = plan.services.map((s) => {
    const skipped = s.outcome === PlannedOutcome.SKIP;
    return {
      serviceId: s.serviceId,
      priority: s.priority,
      state: skipped ? ServiceRecoveryState.SKIPPED : ServiceRecoveryState.PENDING,
      reason: skipped ? s.reason : null,
      plannedNodeId: s.targetNodeId,
      targetNodeId: null,
      triedNodeIds: [],
      attempts: 0,
      targetAttempts: 0,
      maxRelocations: s.maxRelocations,
      retryAtMs: null,
      startedAtMs: null,
      recoveredAtMs: null,
      timeToRecoverMs: null,
      rtoSeconds: s.recoveryTimeObjectiveSeconds,
      rto: skipped || s.recoveryTimeObjectiveSeconds === null ? RtoOutcome.NONE : RtoOutcome.PENDING,
    };
  });
  return {
    id: input.id,
    nodeId: plan.failedNodeId,
    state: IncidentState.DETECTED,
    awaiting: null,
    reason: null,
    fencing: {
      required: plan.fencing.required,
      levels: plan.fencing.levels.map((l) => ({
        level: l.level,
        state: FenceStepState.PENDING,
        devices: l.deviceIds.map((deviceId) => ({ deviceId, state: FenceStepState.PENDING, error: null, atMs: null })),
      })),
      fencedBy: null,
      confirmedBy: null,
      proceededUnfenced: false,
    },
    services,
    parallelism: plan.parallelism,
    retry: { ...DEFAULT_RETRY_POLICY, ...input.retry },
    timings: {
      lastSeenAtMs: input.lastSeenAtMs,
      detectedAtMs: input.detectedAtMs,
      declaredAtMs: input.declaredAtMs,
      fencingStartedAtMs: null,
      fencedAtMs: null,
      recoveryStartedAtMs: null,
      closedAtMs: null,
    },
    revision: 0,
  };
}

const TERMINAL: ReadonlySet<IncidentState> = new Set([IncidentState.RECOVERED, IncidentState.PARTIALLY_RECOVERED, IncidentState.FAILED, IncidentState.CANCELLED]);
const SETTLED: ReadonlySet<ServiceRecoveryState> = new Set([ServiceRecoveryState.RUNNING, ServiceRecoveryState.FAILED, ServiceRecoveryState.SKIPPED]);
const IN_FLIGHT: ReadonlySet<ServiceRecoveryState> = new Set([ServiceRecoveryState.PLACING, ServiceRecoveryState.STARTING, ServiceRecoveryState.RETRYING]);

export function isTerminal(state: IncidentState): boolean {
  return TERMINAL.has(state);
}

/**
 * Applies one event. Pure, with guards: fencing only with quorum, levels in order, all devices of
 * a level; no service before the fence (or the operator's confirmation, or fencingRequired=false);
 * a priority level starts only when every higher one has settled, at most `parallelism` in flight;
 * never a tried node again, never beyond 1 + maxRelocations targets; one owner per service.
 */
// eslint-disable-next-line max-lines-per-function -- the incident machine: one case per event, read as the transition table of ADR 0008
export function applyIncidentEvent(incident: Incident, event: IncidentEvent): IncidentTransition {
  const refuse = (error: string): IncidentTransition => ({ ok: false, error, incident });
  const same: IncidentTransition = { ok: true, changed: false, incident };
  const at = event.atMs;

  if (event.type === 'OPERATOR_CANCELLED') {
    if (incident.state === IncidentState.CANCELLED) return same;
    if (isTerminal(incident.state)) return refuse(`the incident is already ${incident.state}`);
    const reason = `cancelled by ${event.operator}: ${event.reason}`;
    const services = incident.services.map((s) => (SETTLED.has(s.state) ? s : failService(s, reason)));
    return changed({ ...incident, services, state: IncidentState.CANCELLED, awaiting: null, reason, timings: { ...incident.timings, closedAtMs: at } });
  }
  if (isTerminal(incident.state)) return eventForClosed(incident, event) ? same : refuse(`the incident is ${incident.state}`);

  switch (event.type) {
    case 'BEGIN_FENCING': {
      const waitingForQuorum = incident.state === IncidentState.AWAITING_OPERATOR && incident.awaiting === AwaitingReason.QUORUM;
      if (incident.state !== IncidentState.DETECTED && !waitingForQuorum) return same; // already under way
      if (!event.quorate) {
        if (waitingForQuorum) return same;
        return changed({
          ...incident,
          state: IncidentState.AWAITING_OPERATOR,
          awaiting: AwaitingReason.QUORUM,
          reason: 'the cluster is not quorate: nothing is fenced or recovered until quorum returns (bring nodes back, or remove dead nodes from the cluster)',
        });
      }
      const started = { ...incident, awaiting: null, reason: null, timings: { ...incident.timings, fencingStartedAtMs: at } };
      if (incident.fencing.levels.length === 0) {
        if (incident.fencing.required) {
          return changed({ ...started, state: IncidentState.AWAITING_OPERATOR, awaiting: AwaitingReason.FENCING, reason: 'no fencing device and fencing is required: confirm the node is off' });
        }
        return changed(beginRecovery({ ...started, fencing: { ...started.fencing, proceededUnfenced: true } }, at));
      }
      return changed({ ...started, state: IncidentState.FENCING });
    }

    case 'FENCE_DEVICE_RESULT': {
      const level = incident.fencing.levels.find((l) => l.level === event.level);
      if (!level) return refuse(`level ${event.level} is not in the node's fencing topology`);
      const device = level.devices.find((d) => d.deviceId === event.deviceId);
      if (!device) return refuse(`device ${event.deviceId} is not at level ${event.level}`);
      // late results (the level or the whole fence is decided) change nothing
      if (incident.state !== IncidentState.FENCING || level.state !== FenceStepState.PENDING) return same;
      const current = incident.fencing.levels.find((l) => l.state === FenceStepState.PENDING);
      if (current !== level) return refuse(`level ${event.level} is not the current level (${current?.level ?? 'none'})`);
      if (device.state !== FenceStepState.PENDING) {
        return (device.state === FenceStepState.SUCCEEDED) === event.ok ? same : refuse(`device ${event.deviceId} already reported ${device.state}`);
      }
      const devices = level.devices.map((d) =>
        d === device ? { ...d, state: event.ok ? FenceStepState.SUCCEEDED : FenceStepState.FAILED, error: event.ok ? null : (event.error ?? 'failed'), atMs: at } : d,
      );
      const levelState = !event.ok ? FenceStepState.FAILED : devices.every((d) => d.state === FenceStepState.SUCCEEDED) ? FenceStepState.SUCCEEDED : FenceStepState.PENDING;
      const levels = incident.fencing.levels.map((l) => (l === level ? { ...l, devices, state: levelState } : l));
      const fencing = { ...incident.fencing, levels };
      const next = { ...incident, fencing };
      if (levelState === FenceStepState.SUCCEEDED) {
        return changed(beginRecovery({ ...next, fencing: { ...fencing, fencedBy: 'DEVICE' }, timings: { ...next.timings, fencedAtMs: at } }, at));
      }
      if (levelState === FenceStepState.PENDING || levels.some((l) => l.state === FenceStepState.PENDING)) return changed(next);
      const failures = levels.map((l) => `level ${l.level}: ${l.devices.filter((d) => d.error !== null).map((d) => `${d.deviceId} (${d.error})`).join(', ')}`).join('; ');
      if (fencing.required) {
        return changed({ ...next, state: IncidentState.AWAITING_OPERATOR, awaiting: AwaitingReason.FENCING, reason: `every fencing level failed (${failures}): services stay put until an operator confirms the node is off` });
      }
      return changed(beginRecovery({ ...next, fencing: { ...fencing, proceededUnfenced: true }, reason: `every fencing level failed (${failures}); fencingRequired=false: recovering unfenced` }, at));
    }

    case 'OPERATOR_CONFIRMED_FENCED': {
      if (incident.state === IncidentState.RECOVERING) return same;
      const fenceWait = incident.state === IncidentState.AWAITING_OPERATOR && incident.awaiting === AwaitingReason.FENCING;
      if (!fenceWait && incident.state !== IncidentState.FENCING) return refuse(`nothing to confirm in ${incident.state}${incident.awaiting ? ` (${incident.awaiting})` : ''}`);
      return changed(
        beginRecovery(
          { ...incident, fencing: { ...incident.fencing, fencedBy: 'OPERATOR', confirmedBy: event.operator }, reason: null, timings: { ...incident.timings, fencedAtMs: at } },
          at,
        ),
      );
    }

    case 'RETRY_FENCING': {
      if (incident.state === IncidentState.FENCING) return same;
      const fenceWait = incident.state === IncidentState.AWAITING_OPERATOR && incident.awaiting === AwaitingReason.FENCING;
      if (!fenceWait) return refuse(`nothing to fence again in ${incident.state}${incident.awaiting ? ` (${incident.awaiting})` : ''}`);
      if (incident.fencing.levels.length === 0) return refuse('the node has no fencing device: add one (and retry), or confirm the node is off');
      const levels = incident.fencing.levels.map((l) => ({ ...l, state: FenceStepState.PENDING, devices: l.devices.map((d) => ({ ...d, state: FenceStepState.PENDING, error: null, atMs: null })) }));
      // fencingStartedAtMs stays: the first round's start, from which the engine's retry backs off
      return changed({ ...incident, state: IncidentState.FENCING, awaiting: null, reason: null, fencing: { ...incident.fencing, levels } });
    }

    default:
      return applyServiceEvent(incident, event);
  }
}

/**
 * When an incident waiting for a failed fence is due to be fenced again by the engine itself
 * (a device fixed without telling anyone): after as long as it has been fencing so far (doubling
 * waits), at least `minMs`, at most `maxMs` after its last attempt. Null when it does not wait
 * for a fence or has no device to try.
 */
export function fenceRetryDueAtMs(incident: Incident, minMs: number, maxMs: number): number | null {
  if (incident.state !== IncidentState.AWAITING_OPERATOR || incident.awaiting !== AwaitingReason.FENCING || incident.fencing.levels.length === 0) return null;
  const attempts = incident.fencing.levels.flatMap((l) => l.devices.map((d) => d.atMs ?? 0));
  const lastMs = Math.max(incident.timings.fencingStartedAtMs ?? 0, ...attempts);
  const sinceFirstMs = lastMs - (incident.timings.fencingStartedAtMs ?? lastMs);
  return lastMs + Math.min(maxMs, Math.max(minMs, sinceFirstMs));
}

type ServiceEvent = Extract<IncidentEvent, { readonly serviceId: string }>;

// eslint-disable-next-line max-lines-per-function -- the service recovery machine: one case per event, read as its transition table
function applyServiceEvent(incident: Incident, event: ServiceEvent): IncidentTransition {
  const refuse = (error: string): IncidentTransition => ({ ok: false, error, incident });
  const same: IncidentTransition = { ok: true, changed: false, incident };
  const at = event.atMs;
  const service = incident.services.find((s) => s.serviceId === event.serviceId);
  if (!service) return refuse(`service ${event.serviceId} is not part of this incident`);
  if (incident.state !== IncidentState.RECOVERING) return refuse(`services are not recovered in ${incident.state}: the node must be fenced first`);
  const S = ServiceRecoveryState;

  switch (event.type) {
    case 'SERVICE_TARGET_CHOSEN': {
      if (service.state === S.STARTING && service.targetNodeId === event.nodeId) return same;
      if (service.state !== S.PLACING) return refuse(`service ${service.serviceId} is ${service.state}, not PLACING`);
      if (event.nodeId === incident.nodeId) return refuse(`${event.nodeId} is the failed node`);
      if (service.triedNodeIds.includes(event.nodeId)) return refuse(`${event.nodeId} was already tried for ${service.serviceId}`);
      if (service.triedNodeIds.length >= 1 + service.maxRelocations) return refuse(`relocation budget spent for ${service.serviceId}`);
      return settle(
        replace(incident, {
          ...service,
          state: S.STARTING,
          targetNodeId: event.nodeId,
          triedNodeIds: [...service.triedNodeIds, event.nodeId],
          attempts: service.attempts + 1,
          targetAttempts: 1,
          retryAtMs: null,
          startedAtMs: service.startedAtMs ?? at,
        }),
        at,
      );
    }

    case 'SERVICE_NO_CANDIDATE': {
      if (service.state === S.FAILED) return same;
      if (service.state !== S.PLACING) return refuse(`service ${service.serviceId} is ${service.state}, not PLACING`);
      return settle(replace(incident, failService(service, event.reason)), at);
    }

    case 'SERVICE_START_FAILED': {
      if (service.state !== S.STARTING || service.targetNodeId !== event.nodeId) {
        // a duplicate or late report about a node already tried: the failure was handled
        if (service.triedNodeIds.includes(event.nodeId)) return same;
        return refuse(`service ${service.serviceId} is not starting on ${event.nodeId}`);
      }
      const retry = retryDecision(service.targetAttempts, at, event.retryable, incident.retry, service.serviceId);
      if (retry.retry) return changed(replace(incident, { ...service, state: S.RETRYING, reason: `start on ${event.nodeId} failed: ${event.error}`, retryAtMs: retry.retryAtMs }));
      if (service.triedNodeIds.length < 1 + service.maxRelocations) {
        return settle(replace(incident, { ...service, state: S.PLACING, targetNodeId: null, retryAtMs: null, reason: `gave up ${event.nodeId} (${retry.reason}): ${event.error}` }), at);
      }
      const reason = `relocation budget spent (tried ${service.triedNodeIds.join(', ')}, maxRelocations ${service.maxRelocations}); last error on ${event.nodeId}: ${event.error}`;
      return settle(replace(incident, failService(service, reason)), at);
    }

    case 'SERVICE_RETRY_DUE': {
      if (service.state === S.STARTING) return same;
      if (service.state !== S.RETRYING || service.retryAtMs === null) return refuse(`service ${service.serviceId} is ${service.state}, not RETRYING`);
      if (at < service.retryAtMs) return refuse(`retry of ${service.serviceId} is not due before ${service.retryAtMs}`);
      return changed(replace(incident, { ...service, state: S.STARTING, attempts: service.attempts + 1, targetAttempts: service.targetAttempts + 1, retryAtMs: null }));
    }

    case 'SERVICE_RUNNING': {
      if (service.state === S.RUNNING) return service.targetNodeId === event.nodeId ? same : refuse(`${service.serviceId} already runs on ${service.targetNodeId}`);
      if (service.state !== S.STARTING && service.state !== S.RETRYING) return refuse(`service ${service.serviceId} is ${service.state}: no start in flight`);
      if (service.targetNodeId !== event.nodeId) return refuse(`${service.serviceId} was started on ${service.targetNodeId}, not ${event.nodeId}: one owner at a time`);
      const ttr = at - (incident.timings.lastSeenAtMs ?? incident.timings.detectedAtMs);
      const rto = service.rtoSeconds === null ? RtoOutcome.NONE : ttr <= service.rtoSeconds * 1000 ? RtoOutcome.MET : RtoOutcome.MISSED;
      return settle(replace(incident, { ...service, state: S.RUNNING, reason: null, retryAtMs: null, recoveredAtMs: at, timeToRecoverMs: ttr, rto }), at);
    }
  }
}

/** A service event for a closed incident that changes nothing (a replay) is accepted as a no-op. */
function eventForClosed(incident: Incident, event: IncidentEvent): boolean {
  if (event.type === 'BEGIN_FENCING' || event.type === 'FENCE_DEVICE_RESULT' || event.type === 'OPERATOR_CONFIRMED_FENCED' || event.type === 'RETRY_FENCING') return true;
  if (event.type === 'OPERATOR_CANCELLED') return false;
  const s = incident.services.find((x) => x.serviceId === event.serviceId);
  return s !== undefined && SETTLED.has(s.state) && (event.type !== 'SERVICE_RUNNING' || s.targetNodeId === event.nodeId);
}

function changed(incident: Incident): IncidentTransition {
  return { ok: true, changed: true, incident: { ...incident, revision: incident.revision + 1 } };
}

function replace(incident: Incident, service: ServiceRecovery): Incident {
  return { ...incident, services: incident.services.map((s) => (s.serviceId === service.serviceId ? service : s)) };
}

function failService(service: ServiceRecovery, reason: string): ServiceRecovery {
  return {
    ...service,
    state: ServiceRecoveryState.FAILED,
    reason,
    retryAtMs: null,
    rto: service.rtoSeconds === null ? RtoOutcome.NONE : RtoOutcome.MISSED,
  };
}

function beginRecovery(incident: Incident, at: number): Incident {
  return admit({ ...incident, state: IncidentState.RECOVERING, awaiting: null, timings: { ...incident.timings, recoveryStartedAtMs: at } }, at);
}

/**
 * Moves PENDING services of the highest unsettled priority to PLACING, up to `parallelism` in
 * flight, and closes the incident when every service has settled.
 */
function admit(incident: Incident, at: number): Incident {
  const services = [...incident.services];
  let inFlight = services.filter((s) => IN_FLIGHT.has(s.state)).length;
  const level = services.find((s) => !SETTLED.has(s.state))?.priority;
  if (level !== undefined) {
    for (let i = 0; i < services.length && inFlight < incident.parallelism; i++) {
      const s = services[i] as ServiceRecovery;
      if (s.priority !== level) continue;
      if (s.state === ServiceRecoveryState.PENDING) {
        services[i] = { ...s, state: ServiceRecoveryState.PLACING };
        inFlight += 1;
      }
    }
    return { ...incident, services };
  }
  const running = services.filter((s) => s.state === ServiceRecoveryState.RUNNING).length;
  const failed = services.filter((s) => s.state === ServiceRecoveryState.FAILED).length;
  const skipped = services.length - running - failed;
  const state = failed === 0 ? IncidentState.RECOVERED : running > 0 ? IncidentState.PARTIALLY_RECOVERED : IncidentState.FAILED;
  const reason = `${running} running, ${failed} failed, ${skipped} skipped`;
  return { ...incident, services, state, reason: incident.reason ? `${incident.reason}; ${reason}` : reason, timings: { ...incident.timings, closedAtMs: at } };
}

function settle(incident: Incident, at: number): IncidentTransition {
  return changed(admit(incident, at));
}

/** Services the worker must place now (PLACING), in order. */
export function servicesToPlace(incident: Incident): ServiceRecovery[] {
  return incident.state === IncidentState.RECOVERING ? incident.services.filter((s) => s.state === ServiceRecoveryState.PLACING) : [];
}

/** Services whose retry is due at `nowMs`. */
export function dueRetries(incident: Incident, nowMs: number): ServiceRecovery[] {
  return incident.services.filter((s) => s.state === ServiceRecoveryState.RETRYING && s.retryAtMs !== null && s.retryAtMs <= nowMs);
}

export interface IncidentReport {
  /** declaredAt - lastSeenAt (or - detectedAt): how long the failure took to be declared. */
  readonly detectionMs: number;
  readonly fencingMs: number | null;
  /** The slowest recovered service's time to recover. */
  readonly maxTimeToRecoverMs: number | null;
  readonly running: number;
  readonly failed: number;
  readonly skipped: number;
  readonly rtoMet: number;
  readonly rtoMissed: number;
}

/** The figures each failover records for the log and the benchmarks. */
export function incidentReport(incident: Incident): IncidentReport {
  const t = incident.timings;
  const count = (st: ServiceRecoveryState) => incident.services.filter((s) => s.state === st).length;
  const ttrs = incident.services.map((s) => s.timeToRecoverMs).filter((x): x is number => x !== null);
  return {
    detectionMs: t.declaredAtMs - (t.lastSeenAtMs ?? t.detectedAtMs),
    fencingMs: t.fencedAtMs !== null && t.fencingStartedAtMs !== null ? t.fencedAtMs - t.fencingStartedAtMs : null,
    maxTimeToRecoverMs: ttrs.length > 0 ? Math.max(...ttrs) : null,
    running: count(ServiceRecoveryState.RUNNING),
    failed: count(ServiceRecoveryState.FAILED),
    skipped: count(ServiceRecoveryState.SKIPPED),
    rtoMet: incident.services.filter((s) => s.rto === RtoOutcome.MET).length,
    rtoMissed: incident.services.filter((s) => s.rto === RtoOutcome.MISSED).length,
  };
}
