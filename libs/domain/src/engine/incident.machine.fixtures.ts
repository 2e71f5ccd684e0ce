// Shared by the incident machine's specs (incident.machine.spec.ts, incident.machine-services.spec.ts).
import { RecoveryAction } from '../enums';
import { node, service } from './engine.fixtures';
import { applyIncidentEvent, openIncident } from './incident.machine';
import { Incident, IncidentEvent, ServiceRecoveryState } from './incident.types';
import { planRecovery, RecoveryPlanInput, RecoveryService } from './recovery.planner';
export const S = 1000;
export const T0 = 5_000_000 * S;

export function rs(id: string, o: Partial<RecoveryService> = {}): RecoveryService {
  return { ...service(id), recoveryAction: RecoveryAction.RELOCATE, maxRelocations: 3, recoveryTimeObjectiveSeconds: null, ...o };
}

export const input: RecoveryPlanInput = {
  failedNodeId: 'x',
  nodes: [node('x'), node('a'), node('b'), node('c')],
  services: [
    rs('web1', { priority: 500 }),
    rs('db', { priority: 900, recoveryTimeObjectiveSeconds: 60 }),
    rs('web2', { priority: 500 }),
    rs('web3', { priority: 500, recoveryTimeObjectiveSeconds: 30 }),
    rs('batch', { priority: 100, recoveryAction: RecoveryAction.DISABLE }),
  ],
  fencing: [
    { deviceId: 'ipmi', level: 1 },
    { deviceId: 'pdu-1', level: 2 },
    { deviceId: 'pdu-2', level: 2 },
  ],
  policy: { fencingRequired: true },
  settings: { parallelism: 2 },
};

export function open(over: Partial<RecoveryPlanInput> = {}): Incident {
  return openIncident({ id: 'i1', plan: planRecovery({ ...input, ...over }), lastSeenAtMs: T0, detectedAtMs: T0 + 10 * S, declaredAtMs: T0 + 12 * S });
}

/** Applies events that must all be accepted; returns the final incident. */
export function apply(incident: Incident, events: IncidentEvent[]): Incident {
  return events.reduce((inc, e) => {
    const r = applyIncidentEvent(inc, e);
    if (!r.ok) throw new Error(`${e.type} refused: ${r.error}`);
    return r.incident;
  }, incident);
}

export function refused(incident: Incident, e: IncidentEvent): string {
  const r = applyIncidentEvent(incident, e);
  if (r.ok) throw new Error(`${e.type} was accepted`);
  // a refused event leaves the incident as it was
  if (r.incident !== incident) throw new Error(`${e.type} was refused but changed the incident`);
  return r.error;
}

export const states = (i: Incident) => Object.fromEntries(i.services.map((s) => [s.serviceId, s.state]));
export const P = ServiceRecoveryState;
export const begin: IncidentEvent = { type: 'BEGIN_FENCING', atMs: T0 + 13 * S, quorate: true };
export const ipmiOk: IncidentEvent = { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 15 * S, level: 1, deviceId: 'ipmi', ok: true };
export const recovering = (over: Partial<RecoveryPlanInput> = {}) => apply(open(over), [begin, ipmiOk]);
