import {
  applyIncidentEvent,
  Incident,
  IncidentEvent,
  IncidentState,
  NodeStatus,
  planRecovery,
  PlacementNode,
  RecoveryAction,
  RecoveryPlan,
  RtoOutcome,
  ServiceRecoveryState,
} from '@haaas/domain';
import type { IncidentEntity, ServiceRecoveryEntity } from '@haaas/persistence';
import { applyIncidentToRow, hydrateIncident, incidentRecordJson, recoveryRowFields } from './incident.codec';

const node = (id: string, status = NodeStatus.ONLINE): PlacementNode => ({
  id,
  status,
  maintenance: false,
  reserved: false,
  capacityCpus: 16,
  capacityMemoryMb: 65536,
  usedCpus: 0,
  usedMemoryMb: 0,
  antiAffinityGroups: [],
});

const service = (id: string, priority: number, o: { action?: RecoveryAction; rto?: number | null; maxRelocations?: number } = {}) => ({
  id,
  priority,
  domain: null,
  antiAffinityGroup: null,
  cpus: 1,
  memoryMb: 1024,
  recoveryAction: o.action ?? RecoveryAction.RELOCATE,
  maxRelocations: o.maxRelocations ?? 2,
  recoveryTimeObjectiveSeconds: o.rto ?? null,
});

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function fixture(): { plan: RecoveryPlan; row: IncidentEntity } {
  const plan = planRecovery({
    failedNodeId: 'a',
    nodes: [node('a', NodeStatus.FAILED), node('b'), node('c')],
    services: [service('s-hi', 900, { rto: 30 }), service('s-mid', 500), service('s-off', 400, { action: RecoveryAction.DISABLE })],
    fencing: [
      { deviceId: 'd1', level: 1 },
      { deviceId: 'd2', level: 2 },
    ],
    policy: { fencingRequired: true },
    settings: { parallelism: 1 },
  });
  // as the detector opens it: no fencing JSON yet
  const row = {
    id: 'inc-1',
    tenantId: 't',
    clusterId: 'cl',
    nodeId: 'a',
    idempotencyKey: 'k',
    state: IncidentState.DETECTED,
    source: 'DETECTOR',
    reason: null,
    lastSeenAt: new Date(T0 - 4000),
    declaredAt: new Date(T0),
    fencedAt: null,
    finishedAt: null,
    fencing: null,
    detectorToken: '1',
    openedAt: new Date(T0),
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    version: 1,
  } as unknown as IncidentEntity;
  return { plan, row };
}

/** What the ledger does: apply, write the rows, read them back. */
function roundTrip(incident: Incident, row: IncidentEntity, plan: RecoveryPlan): { incident: Incident; rows: ServiceRecoveryEntity[] } {
  applyIncidentToRow(incident, row);
  row.version += 1;
  const rows = incident.timings.recoveryStartedAtMs === null ? [] : incident.services.map((s) => ({ incidentId: row.id, serviceId: s.serviceId, ...recoveryRowFields(s) }) as unknown as ServiceRecoveryEntity);
  const policies = new Map(plan.services.map((s) => [s.serviceId, { maxRelocations: s.maxRelocations }]));
  return { incident: hydrateIncident({ row, recoveries: rows, plan, policies }), rows };
}

/** The fields the rows must keep (plannedNodeId is a dry-run hint they do not keep). */
function essence(i: Incident): unknown {
  return { ...i, revision: 0, services: i.services.map((s) => ({ ...s, plannedNodeId: null })) };
}

describe('incident rows ↔ the domain incident', () => {
  it('reads an incident the detector just opened as the machine opens it from the plan', () => {
    const { plan, row } = fixture();
    const i = hydrateIncident({ row, recoveries: [], plan, policies: new Map() });
    expect(i).toMatchObject({ id: 'inc-1', nodeId: 'a', state: IncidentState.DETECTED, parallelism: 1, revision: 1 });
    expect(i.fencing.levels.map((l) => [l.level, l.devices.map((d) => d.deviceId)])).toEqual([
      [1, ['d1']],
      [2, ['d2']],
    ]);
    expect(i.services.map((s) => [s.serviceId, s.state])).toEqual([
      ['s-hi', ServiceRecoveryState.PENDING],
      ['s-mid', ServiceRecoveryState.PENDING],
      ['s-off', ServiceRecoveryState.SKIPPED],
    ]);
    expect(i.timings).toMatchObject({ lastSeenAtMs: T0 - 4000, declaredAtMs: T0, detectedAtMs: T0 });
  });

  it('keeps every step of a recovery through the rows: after each event, reading them back gives the same incident', () => {
    const { plan, row } = fixture();
    let incident = hydrateIncident({ row, recoveries: [], plan, policies: new Map() });
    const events: IncidentEvent[] = [
      { type: 'BEGIN_FENCING', atMs: T0 + 100, quorate: true },
      { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 900, level: 1, deviceId: 'd1', ok: false, error: 'AUTH_FAILED: bad password' },
      { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 1500, level: 2, deviceId: 'd2', ok: true },
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 1600, serviceId: 's-hi', nodeId: 'b' },
      { type: 'SERVICE_START_FAILED', atMs: T0 + 1700, serviceId: 's-hi', nodeId: 'b', error: 'TIMEOUT', retryable: true },
      { type: 'SERVICE_RETRY_DUE', atMs: T0 + 3700, serviceId: 's-hi' },
      { type: 'SERVICE_START_FAILED', atMs: T0 + 3800, serviceId: 's-hi', nodeId: 'b', error: 'NOT_FOUND', retryable: false },
      { type: 'SERVICE_TARGET_CHOSEN', atMs: T0 + 3900, serviceId: 's-hi', nodeId: 'c' },
      { type: 'SERVICE_RUNNING', atMs: T0 + 4500, serviceId: 's-hi', nodeId: 'c' },
      { type: 'SERVICE_NO_CANDIDATE', atMs: T0 + 4600, serviceId: 's-mid', reason: 'no node left' },
    ];
    for (const e of events) {
      const t = applyIncidentEvent(incident, e);
      if (!t.ok) throw new Error(t.error);
      const back = roundTrip(t.incident, row, plan).incident;
      expect(essence(back)).toEqual(essence(t.incident));
      incident = back;
    }
    expect(incident.state).toBe(IncidentState.PARTIALLY_RECOVERED);
    const hi = incident.services.find((s) => s.serviceId === 's-hi');
    expect(hi).toMatchObject({ state: ServiceRecoveryState.RUNNING, triedNodeIds: ['b', 'c'], attempts: 3, timeToRecoverMs: 8500, rto: RtoOutcome.MET });
    expect(incident.services.find((s) => s.serviceId === 's-mid')).toMatchObject({ state: ServiceRecoveryState.FAILED, rto: RtoOutcome.NONE });
    expect(row).toMatchObject({ state: IncidentState.PARTIALLY_RECOVERED, fencedAt: new Date(T0 + 1500), finishedAt: new Date(T0 + 4600) });
  });

  it('keeps what each fencing device reported across later transitions', () => {
    const { plan, row } = fixture();
    const i0 = hydrateIncident({ row, recoveries: [], plan, policies: new Map() });
    const t1 = applyIncidentEvent(i0, { type: 'BEGIN_FENCING', atMs: T0 + 1, quorate: true });
    if (!t1.ok) throw new Error(t1.error);
    const t2 = applyIncidentEvent(t1.incident, { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 2, level: 1, deviceId: 'd1', ok: false, error: 'AUTH_FAILED' });
    if (!t2.ok) throw new Error(t2.error);
    const details = new Map([['1/d1', { name: 'bmc', agent: 'fence_ipmilan', latencyMs: 812, attempts: 2, powerState: 'unknown', output: 'Unable to connect' }]]);
    const json1 = incidentRecordJson(t2.incident, null, details);
    const t3 = applyIncidentEvent(t2.incident, { type: 'FENCE_DEVICE_RESULT', atMs: T0 + 3, level: 2, deviceId: 'd2', ok: true });
    if (!t3.ok) throw new Error(t3.error);
    const json2 = incidentRecordJson(t3.incident, json1);
    expect(json2.levels[0]?.devices[0]).toEqual({ deviceId: 'd1', state: 'FAILED', error: 'AUTH_FAILED', atMs: T0 + 2, name: 'bmc', agent: 'fence_ipmilan', latencyMs: 812, attempts: 2, powerState: 'unknown', output: 'Unable to connect' });
    expect(json2).toMatchObject({ fencedBy: 'DEVICE', awaiting: null, fencingStartedAtMs: T0 + 1, recoveryStartedAtMs: T0 + 3 });
  });

  it('reads a missed objective and a failed service from their rows', () => {
    const { plan, row } = fixture();
    const base = { incidentId: 'inc-1', priority: 900, targetNodeId: 'b', triedNodeIds: ['b'], attempts: 1, targetAttempts: 1, retryAt: null, reason: null, startedAt: new Date(T0 + 100), rtoSeconds: 2 };
    row.fencing = incidentRecordJson({ ...hydrateIncident({ row, recoveries: [], plan, policies: new Map() }), state: IncidentState.RECOVERING }, null) as unknown as Record<string, unknown>;
    const rows = [
      { ...base, serviceId: 's-hi', state: 'RUNNING', recoveredAt: new Date(T0 + 5000) },
      { ...base, serviceId: 's-mid', state: 'FAILED', recoveredAt: null, reason: 'no node left' },
    ] as unknown as ServiceRecoveryEntity[];
    const i = hydrateIncident({ row, recoveries: rows, plan, policies: new Map([['s-hi', { maxRelocations: 4 }]]) });
    // recovered 9 s after the last heartbeat: the 2 s objective was missed
    expect(i.services.find((s) => s.serviceId === 's-hi')).toMatchObject({ timeToRecoverMs: 9000, rto: RtoOutcome.MISSED, maxRelocations: 4 });
    expect(i.services.find((s) => s.serviceId === 's-mid')).toMatchObject({ rto: RtoOutcome.MISSED, maxRelocations: 0, reason: 'no node left' });
  });
});
