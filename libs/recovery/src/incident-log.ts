import { type EventTypeOf, Incident, IncidentEvent, incidentReport, IncidentState, isTerminal, RecoveryPlan, ServiceRecovery, ServiceRecoveryState, ServiceState } from '@haaas/domain';
import type { EventDraft } from '@haaas/management';
import type { IncidentEntity, ServiceEntity } from '@haaas/persistence';
import type { FenceDetails } from './incident.codec';

/*
 * The cluster log's entries of one incident step, from the incident before and after it: what
 * IncidentLedger.persist appends in the transaction that writes the rows. Pure, except that a
 * service's transition may set the service's row (through `serviceRow`, locked by the ledger).
 */

/** The event that closes an incident in each terminal state (named in the catalogue, not built from the state). */
const CLOSING_EVENT: Partial<Record<IncidentState, EventTypeOf<'Incident'>>> = {
  [IncidentState.RECOVERED]: 'incident.recovered',
  [IncidentState.PARTIALLY_RECOVERED]: 'incident.partially_recovered',
  [IncidentState.FAILED]: 'incident.failed',
  [IncidentState.CANCELLED]: 'incident.cancelled',
};

/** A service row a transition changes: its state and node, written after every event is decided. */
export interface ServiceRowChange {
  readonly id: string;
  state: ServiceEntity['state'];
  currentNodeId: string | null;
  changed: boolean;
}

/** The incident's own entries of a step; `closing`: index of the closing entry, moved last once the service entries are in. */
export interface IncidentEntries {
  readonly events: EventDraft[];
  readonly closing: number | null;
}

type IncidentEntry = (type: EventTypeOf<'Incident'>, message: string, afterFields?: Record<string, unknown>, beforeFields?: Record<string, unknown> | null) => void;

function entryWriter(row: IncidentEntity, events: EventDraft[]): IncidentEntry {
  return (type, message, afterFields = {}, beforeFields = null) => {
    events.push({ clusterId: row.clusterId, type, objectType: 'Incident', objectId: row.id, nodeId: row.nodeId, before: beforeFields, after: { incidentId: row.id, ...afterFields }, message: message.slice(0, 1024) });
  };
}

/** The plan (on the first run), operators' actions, fence attempts and the incident's change of state. */
export function incidentEntries(row: IncidentEntity, plan: RecoveryPlan | null, firstRun: boolean, before: Incident, after: Incident, applied: readonly IncidentEvent[], fenceDetails: FenceDetails | undefined): IncidentEntries {
  const events: EventDraft[] = [];
  const entry = entryWriter(row, events);
  if (firstRun && plan) {
    entry('incident.plan', `plan: ${plan.fencing.summary}; ${plan.counts.start} to start in ${plan.waves.length} wave(s), ${plan.counts.skip} skipped, ${plan.counts.willFail} without a node`, {
      fencing: plan.fencing,
      quorum: plan.quorum,
      blockers: plan.blockers,
      services: plan.services.map((s) => ({ serviceId: s.serviceId, priority: s.priority, outcome: s.outcome, targetNodeId: s.targetNodeId, wave: s.wave, reason: s.reason, note: s.note })),
      waves: plan.waves,
    });
  }
  // an operator's (or the engine's own retry's) action on the incident: who, and why
  for (const e of applied) {
    if (e.type !== 'OPERATOR_CONFIRMED_FENCED' && e.type !== 'RETRY_FENCING' && e.type !== 'OPERATOR_CANCELLED') continue;
    const note = e.type === 'OPERATOR_CANCELLED' ? e.reason : (e.note ?? null);
    const what = e.type === 'OPERATOR_CONFIRMED_FENCED' ? 'confirmed the node is off' : e.type === 'RETRY_FENCING' ? 'asked to fence the node again' : 'cancelled the recovery';
    entry('incident.operator_action', `${e.operator} ${what}${note ? `: ${note}` : ''}`, { action: e.type, operator: e.operator, note });
  }
  // fencing results, one event per device that ran
  for (const e of applied) {
    if (e.type !== 'FENCE_DEVICE_RESULT') continue;
    const d = fenceDetails?.get(`${e.level}/${e.deviceId}`);
    entry(
      'incident.fence_attempt',
      `fencing level ${e.level}, device ${d?.name ?? e.deviceId} (${d?.agent ?? '?'}): ${e.ok ? `off in ${d?.latencyMs ?? '?'} ms` : `failed: ${e.error ?? 'failed'}`}`,
      { level: e.level, deviceId: e.deviceId, ok: e.ok, error: e.error ?? null, ...(d ?? {}) },
    );
  }
  const closing = before.state !== after.state || before.awaiting !== after.awaiting ? stateEntry(row, before, after, entry, events) : null;
  return { events, closing };
}

/** The entry of the incident's new state; the index of the closing entry when the incident ended. */
function stateEntry(row: IncidentEntity, before: Incident, after: Incident, entry: IncidentEntry, events: readonly EventDraft[]): number | null {
  const from = { state: before.state, awaiting: before.awaiting };
  switch (after.state) {
    case IncidentState.FENCING:
      entry('incident.fencing_started', `fencing ${row.nodeId}: ${after.fencing.levels.map((l) => `level ${l.level} (${l.devices.length} device${l.devices.length === 1 ? '' : 's'})`).join(', then ')}`, { state: after.state, levels: after.fencing.levels.map((l) => ({ level: l.level, deviceIds: l.devices.map((d) => d.deviceId) })) }, from);
      return null;
    case IncidentState.AWAITING_OPERATOR:
      entry('incident.awaiting_operator', `waiting for an operator (${after.awaiting}): ${after.reason ?? ''}`, { state: after.state, awaiting: after.awaiting, reason: after.reason }, from);
      return null;
    case IncidentState.RECOVERING:
      entry(
        'incident.recovery_started',
        after.fencing.proceededUnfenced
          ? `recovering WITHOUT a fence (fencingRequired=false): ${after.reason ?? 'no fencing device'}`
          : `node fenced (${after.fencing.fencedBy === 'OPERATOR' ? `confirmed by ${after.fencing.confirmedBy}` : 'by its devices'}); recovering ${after.services.length} service(s)`,
        { state: after.state, fencedBy: after.fencing.fencedBy, confirmedBy: after.fencing.confirmedBy, proceededUnfenced: after.fencing.proceededUnfenced, reason: after.reason, services: after.services.length },
        from,
      );
      return null;
    default: {
      if (!isTerminal(after.state)) return null;
      const report = incidentReport(after);
      // the closing event comes last, after the service events of the step that closed it
      const closing = events.length;
      entry(CLOSING_EVENT[after.state] ?? 'incident.failed', `${after.state}: ${after.reason ?? ''}`, {
        state: after.state,
        reason: after.reason,
        report,
        timings: after.timings,
        services: after.services.map((s) => ({ serviceId: s.serviceId, priority: s.priority, state: s.state, nodeId: s.targetNodeId, triedNodeIds: s.triedNodeIds, attempts: s.attempts, timeToRecoverMs: s.timeToRecoverMs, rtoSeconds: s.rtoSeconds, rto: s.rto, reason: s.reason })),
      }, from);
      return closing;
    }
  }
}

/** What one service's step needs besides the service's recovery before and after it. */
export interface ServiceStepContext {
  readonly row: IncidentEntity;
  readonly applied: readonly IncidentEvent[];
  readonly notes: Record<string, unknown>;
  readonly serviceRow: (id: string) => Promise<ServiceRowChange | null>;
  readonly events: EventDraft[];
  readonly hostnames: ReadonlyMap<string, string>;
}

/**
 * Events (and service row changes) for one service's transition. `was` is null when its recovery
 * row is new. A chain of the machine's transitions, one entry each: long, but read top to bottom
 * as the service recovery's state diagram (ADR 0008), which is why it is one function.
 */
// eslint-disable-next-line max-lines-per-function -- one branch per transition of the service recovery machine, read as its diagram
export async function serviceSteps(ctx: ServiceStepContext, was: ServiceRecovery | null, s: ServiceRecovery): Promise<void> {
  const S = ServiceRecoveryState;
  const { row } = ctx;
  const host = (id: string | null): string => (id === null ? '?' : (ctx.hostnames.get(id) ?? id));
  const push = (type: EventTypeOf<'Service'>, message: string, after: Record<string, unknown>): void => {
    ctx.events.push({
      clusterId: row.clusterId,
      type,
      objectType: 'Service',
      objectId: s.serviceId,
      serviceId: s.serviceId,
      nodeId: s.targetNodeId ?? row.nodeId,
      before: was ? { recoveryState: was.state } : null,
      after: { incidentId: row.id, recoveryState: s.state, priority: s.priority, ...after, ...ctx.notes },
      message: message.slice(0, 1024),
    });
  };
  const prevState = was?.state ?? null;
  if (prevState === s.state && was && was.targetNodeId === s.targetNodeId && was.targetAttempts === s.targetAttempts) return;
  // the service row is locked only by the transitions that set its state
  const setService = async (state: ServiceState, currentNodeId?: string | null): Promise<void> => {
    const svc = await ctx.serviceRow(s.serviceId);
    if (!svc) return;
    svc.state = state;
    if (currentNodeId !== undefined) svc.currentNodeId = currentNodeId;
    svc.changed = true;
  };

  if (was === null) {
    // recovery begins for this service
    if (s.state === S.SKIPPED) {
      await setService(ServiceState.DISABLED, null);
      push('service.recovery_skipped', `not recovered: ${s.reason ?? 'recovery action DISABLE'}`, { reason: s.reason });
      return;
    }
    await setService(ServiceState.RECOVERING);
    if (s.state === S.PENDING) {
      push('service.recovery_pending', `waiting for its turn (priority ${s.priority})`, {});
      return;
    }
  }
  if (s.state === S.PLACING && (prevState === null || prevState === S.PENDING)) {
    push('service.recovery_started', `recovery started (priority ${s.priority})`, { rtoSeconds: s.rtoSeconds });
    return;
  }
  if (s.state === S.PLACING && prevState !== S.PLACING) return; // a target was given up: the start_failed event says why
  if (s.state === S.STARTING && prevState === S.PLACING) {
    const relocation = s.triedNodeIds.length - 1;
    push('service.placed', `placed on ${host(s.targetNodeId)}${relocation > 0 ? ` (relocation ${relocation} of ${s.maxRelocations})` : ''}`, { targetNodeId: s.targetNodeId, triedNodeIds: s.triedNodeIds, relocation });
    return;
  }
  if (s.state === S.STARTING && prevState === S.RETRYING) {
    push('service.retry_started', `start attempt ${s.targetAttempts} on ${host(s.targetNodeId)}`, { targetNodeId: s.targetNodeId, targetAttempts: s.targetAttempts, attempts: s.attempts });
    return;
  }
  if (s.state === S.RUNNING && prevState !== S.RUNNING) {
    // services.state and current_node_id are written by the runner in this same transaction
    push('service.recovered', `running on ${host(s.targetNodeId)}${s.timeToRecoverMs !== null ? ` ${(s.timeToRecoverMs / 1000).toFixed(1)} s after the failure` : ''}${s.rto === 'MET' || s.rto === 'MISSED' ? ` (RTO ${s.rtoSeconds} s ${s.rto})` : ''}`, {
      nodeId: s.targetNodeId,
      attempts: s.attempts,
      triedNodeIds: s.triedNodeIds,
      startedAtMs: s.startedAtMs,
      recoveredAtMs: s.recoveredAtMs,
      timeToRecoverMs: s.timeToRecoverMs,
      rtoSeconds: s.rtoSeconds,
      rto: s.rto,
    });
    return;
  }
  if (s.state === S.FAILED && prevState !== S.FAILED) {
    await setService(ServiceState.FAILED, null);
    const cancelled = ctx.applied.some((e) => e.type === 'OPERATOR_CANCELLED');
    push(cancelled ? 'service.recovery_cancelled' : 'service.recovery_failed', `${cancelled ? 'recovery cancelled' : 'recovery failed'}: ${s.reason ?? ''}`, { reason: s.reason, triedNodeIds: s.triedNodeIds, attempts: s.attempts, rto: s.rto });
  }
  // STARTING → RETRYING: recorded by the runner's service.start_failed event, with the retry time
}
