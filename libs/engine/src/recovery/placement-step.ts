import { Incident, IncidentEvent, nextTarget, placeService, ReservedHostsMode, ServiceRecoveryState, summarizeRejections } from '@haaas/domain';
import type { ClusterView } from '@haaas/engine-runtime';

export interface PlacementStep {
  readonly events: IncidentEvent[];
  /** Per service: the candidates and rejections behind its choice, for its service.placed event. */
  readonly serviceNotes: Map<string, Record<string, unknown>>;
  /**
   * Set when a service has no candidate now but would have one among nodes whose liveness is
   * unknown (the heartbeat record was lost less than a deadtime ago): nothing is decided for it or
   * after it; the caller waits up to `waitMs` for their beats and places again.
   */
  readonly waiting?: { readonly serviceId: string; readonly nodeIds: readonly string[]; readonly waitMs: number };
}

/**
 * The placements one step of `service.recover` decides, under the incident's lock: the service
 * itself and every service ranked before it (the incident's order: priority descending, then id)
 * that is still waiting for its first node, one after the other, each seeing the capacity the
 * earlier ones took. Which job takes the lock first then no longer decides who gets which node:
 * the choices are the ones `planPlacements` (the plan and the dry run) makes on the same cluster.
 * A service that gave up a node is placed by its own job only, after it powered off what the
 * given-up start may have left there.
 */
export function placeInOrder(incident: Incident, serviceId: string, view: ClusterView, o: { readonly failedNodeId: string; readonly reservedHosts: ReservedHostsMode; readonly atMs: number }): PlacementStep {
  const events: IncidentEvent[] = [];
  const serviceNotes = new Map<string, Record<string, unknown>>();
  const targets = new Map<string, string[]>();
  let current = view;
  for (const s of incident.services) {
    const self = s.serviceId === serviceId;
    if (s.state === ServiceRecoveryState.PLACING && (self || s.triedNodeIds.length === 0)) {
      const row = current.servicesById.get(s.serviceId);
      if (!row) {
        events.push({ type: 'SERVICE_NO_CANDIDATE', atMs: o.atMs, serviceId: s.serviceId, reason: 'the service was deleted' });
      } else {
        const placement = placeService(current.recoveryService(row, s.triedNodeIds), current.placementNodes(), { excludeNodeIds: [o.failedNodeId], reservedHosts: o.reservedHosts });
        const decision = nextTarget(row, s.triedNodeIds, placement);
        if (decision.kind !== 'TRY') {
          const unknown = current.livenessUnknown();
          if (unknown && nextTarget(row, s.triedNodeIds, placeService(current.recoveryService(row, s.triedNodeIds), current.placementNodes(new Set(unknown.nodeIds)), { excludeNodeIds: [o.failedNodeId], reservedHosts: o.reservedHosts })).kind === 'TRY') {
            // no target now, one once those nodes beat: wait (in order: nothing after it is placed meanwhile)
            return { events, serviceNotes, waiting: { serviceId: s.serviceId, nodeIds: unknown.nodeIds, waitMs: unknown.waitMs } };
          }
        }
        serviceNotes.set(s.serviceId, {
          candidates: placement.candidates.slice(0, 5).map((c) => ({ nodeId: c.nodeId, member: c.member, memberPriority: c.memberPriority, load: Math.round(c.load * 1000) / 1000 })),
          rejected: placement.rejected.length > 0 ? summarizeRejections(placement.rejected) : null,
        });
        if (decision.kind === 'TRY') {
          events.push({ type: 'SERVICE_TARGET_CHOSEN', atMs: o.atMs, serviceId: s.serviceId, nodeId: decision.nodeId });
          targets.set(s.serviceId, [decision.nodeId]);
          current = view.withTargets(targets);
        } else {
          events.push({ type: 'SERVICE_NO_CANDIDATE', atMs: o.atMs, serviceId: s.serviceId, reason: decision.reason });
        }
      }
    }
    if (self) break;
  }
  return { events, serviceNotes };
}
