import { Injectable } from '@nestjs/common';
import { IncidentState, RtoOutcome, ServiceRecoveryState, TenantScope } from '@haaas/domain';
import { IncidentEntity, Page, PageArgs, ServiceRecoveryEntity, Store, Where } from '@haaas/persistence';
import { FenceLevelRecord, isIncidentRecordJson } from '@haaas/recovery';

export interface IncidentFilter {
  readonly clusterId?: string | null;
  readonly nodeId?: string | null;
  readonly state?: IncidentState | null;
}

/** One service's recovery within an incident, with its time to recover against its objective. */
export interface ServiceRecoveryView {
  readonly row: ServiceRecoveryEntity;
  /** recoveredAt − (last heartbeat, else detection): the downtime its users saw. */
  readonly timeToRecoverMs: number | null;
  readonly rto: RtoOutcome;
}

/** An incident with what the API shows: timings, fencing as it went, services in recovery order. */
export interface IncidentView {
  readonly id: string;
  readonly row: IncidentEntity;
  readonly detectedAt: Date;
  readonly fencingStartedAt: Date | null;
  readonly recoveryStartedAt: Date | null;
  readonly awaiting: string | null;
  readonly fencingRequired: boolean | null;
  readonly fencedBy: string | null;
  readonly confirmedBy: string | null;
  readonly proceededUnfenced: boolean;
  readonly fencingLevels: readonly FenceLevelRecord[];
  readonly services: readonly ServiceRecoveryView[];
  /** declaredAt − (last heartbeat, else detection). */
  readonly detectionMs: number;
  readonly fencingMs: number | null;
  readonly maxTimeToRecoverMs: number | null;
  readonly rtoMet: number;
  readonly rtoMissed: number;
}

/**
 * Incidents for the API: read-only views of what the recovery engine records (the incidents and
 * service_recoveries rows and the incident's JSON), with the figures of `incidentReport`
 * computed the same way (time to recover from the last heartbeat, RTO met or missed).
 */
@Injectable()
export class IncidentsService {
  constructor(private readonly store: Store) {}

  async get(scope: TenantScope, id: string): Promise<IncidentView> {
    const row = await this.store.repos.incidents.get(scope, id);
    const [view] = await this.views(scope, [row]);
    if (!view) throw new Error('unreachable: one row, one view');
    return view;
  }

  /** Newest first. */
  async page(scope: TenantScope, filter: IncidentFilter, args: PageArgs): Promise<Page<IncidentView>> {
    const where: Where<IncidentEntity> = {};
    if (filter.clusterId) where.clusterId = filter.clusterId;
    if (filter.nodeId) where.nodeId = filter.nodeId;
    if (filter.state) where.state = filter.state;
    const page = await this.store.repos.incidents.page(scope, where, { ...args, direction: 'DESC' });
    return { rows: await this.views(scope, page.rows), hasNextPage: page.hasNextPage };
  }

  /** Views of many incidents with one more statement for all their service recoveries. */
  private async views(scope: TenantScope, rows: readonly IncidentEntity[]): Promise<IncidentView[]> {
    const recoveries = await this.store.repos.serviceRecoveries.findIn(
      scope,
      'incidentId',
      rows.map((r) => r.id),
    );
    const byIncident = new Map<string, ServiceRecoveryEntity[]>();
    for (const r of recoveries) byIncident.set(r.incidentId, [...(byIncident.get(r.incidentId) ?? []), r]);
    return rows.map((row) => incidentView(row, byIncident.get(row.id) ?? []));
  }
}

export function incidentView(row: IncidentEntity, recoveries: readonly ServiceRecoveryEntity[]): IncidentView {
  const json = isIncidentRecordJson(row.fencing) ? row.fencing : null;
  const detectedAt = new Date(json?.detectedAtMs ?? row.declaredAt.getTime());
  const failureAtMs = row.lastSeenAt?.getTime() ?? detectedAt.getTime();
  const services = [...recoveries]
    .sort((a, b) => b.priority - a.priority || (a.serviceId < b.serviceId ? -1 : a.serviceId > b.serviceId ? 1 : 0))
    .map((r) => serviceView(r, failureAtMs));
  const ttrs = services.map((s) => s.timeToRecoverMs).filter((x): x is number => x !== null);
  const fencingStartedAtMs = json?.fencingStartedAtMs ?? null;
  return {
    id: row.id,
    row,
    detectedAt,
    fencingStartedAt: fencingStartedAtMs === null ? null : new Date(fencingStartedAtMs),
    recoveryStartedAt: json?.recoveryStartedAtMs == null ? null : new Date(json.recoveryStartedAtMs),
    awaiting: json?.awaiting ?? null,
    fencingRequired: json?.required ?? null,
    fencedBy: json?.fencedBy ?? null,
    confirmedBy: json?.confirmedBy ?? null,
    proceededUnfenced: json?.proceededUnfenced ?? false,
    fencingLevels: json?.levels ?? [],
    services,
    detectionMs: row.declaredAt.getTime() - failureAtMs,
    fencingMs: row.fencedAt && fencingStartedAtMs !== null ? row.fencedAt.getTime() - fencingStartedAtMs : null,
    maxTimeToRecoverMs: ttrs.length > 0 ? Math.max(...ttrs) : null,
    rtoMet: services.filter((s) => s.rto === RtoOutcome.MET).length,
    rtoMissed: services.filter((s) => s.rto === RtoOutcome.MISSED).length,
  };
}

/** As the incident machine computes it: RUNNING with a recovery time, FAILED misses, SKIPPED has none. */
export function serviceView(r: ServiceRecoveryEntity, failureAtMs: number): ServiceRecoveryView {
  const state = r.state as ServiceRecoveryState;
  const timeToRecoverMs = state === ServiceRecoveryState.RUNNING && r.recoveredAt ? r.recoveredAt.getTime() - failureAtMs : null;
  let rto: RtoOutcome;
  if (r.rtoSeconds === null || state === ServiceRecoveryState.SKIPPED) rto = RtoOutcome.NONE;
  else if (state === ServiceRecoveryState.FAILED) rto = RtoOutcome.MISSED;
  else if (timeToRecoverMs === null) rto = RtoOutcome.PENDING;
  else rto = timeToRecoverMs <= r.rtoSeconds * 1000 ? RtoOutcome.MET : RtoOutcome.MISSED;
  return { row: r, timeToRecoverMs, rto };
}
