import type { HaaasMetrics } from './haaas.metrics';

/** A committed cluster log event as the Store's commit observers see it (structurally). */
export interface ObservedEvent {
  readonly tenantId: string;
  readonly type: string;
  readonly objectId?: string;
  readonly after?: Readonly<Record<string, unknown>> | null;
}

const CLOSED: Readonly<Record<string, string>> = {
  'incident.recovered': 'recovered',
  'incident.partially_recovered': 'partially_recovered',
  'incident.failed': 'failed',
  'incident.cancelled': 'cancelled',
};

/**
 * Records what the cluster log says (incidents opened and closed, fence attempts, services
 * recovered against their RTO): a Store commit observer, so the engine reports through the events
 * it writes anyway, in whichever process wrote them, and only once they are committed.
 */
export function eventMetricsObserver(metrics: HaaasMetrics): (events: readonly ObservedEvent[]) => void {
  return (events) => {
    for (const e of events) record(metrics, e);
  };
}

function record(metrics: HaaasMetrics, e: ObservedEvent): void {
  metrics.clusterEvent(e.type);
  const after = e.after ?? {};
  const closed = CLOSED[e.type];
  if (closed) return metrics.incidentClosed(closed);
  switch (e.type) {
    case 'incident.opened':
    case 'incident.failed_again':
      return metrics.incidentOpened();
    case 'incident.awaiting_operator':
      return metrics.incidentAwaitingOperator(bounded(after['awaiting']));
    case 'incident.fence_attempt':
      return metrics.fenceAttempt(bounded(after['agent']), after['ok'] === true ? 'ok' : 'error', seconds(after['latencyMs']));
    case 'service.recovered':
    case 'service.recovery_failed': {
      const started = num(after['startedAtMs']);
      const recoveredAt = num(after['recoveredAtMs']);
      return metrics.serviceRecovery({
        recovered: e.type === 'service.recovered',
        rto: after['rto'] === 'MET' ? 'met' : after['rto'] === 'MISSED' ? 'missed' : 'none',
        durationSeconds: started !== null && recoveredAt !== null ? Math.max(0, recoveredAt - started) / 1000 : null,
        timeToRecoverSeconds: seconds(after['timeToRecoverMs']),
        tenant: e.tenantId,
        service: e.objectId ?? '',
      });
    }
  }
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function seconds(ms: unknown): number | null {
  const n = num(ms);
  return n === null ? null : n / 1000;
}

/** A label value from an enum-like field: a short identifier, else `other` (never free text). */
export function bounded(v: unknown): string {
  return typeof v === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/.test(v) ? v : 'other';
}
