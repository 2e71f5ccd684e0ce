import { DEFAULT_FAILBACK_SETTINGS, FailbackSettings, ReservedHostsMode } from './engine.settings';
import { placeService } from './placement.policy';
import { PlacementNode, PlacementService } from './placement.types';

/** A node with the time it last became ONLINE (null: unknown, or not ONLINE). */
export interface FailbackNode extends PlacementNode {
  readonly onlineSinceMs: number | null;
}

export interface FailbackInput {
  /** The service as it runs now; its resources are counted on its current node. */
  readonly service: PlacementService;
  readonly currentNodeId: string;
  readonly nodes: readonly FailbackNode[];
  readonly nowMs: number;
  readonly settings?: Partial<FailbackSettings>;
  readonly reservedHosts?: ReservedHostsMode;
}

export type FailbackDecision =
  | { readonly failBack: true; readonly targetNodeId: string; readonly reason: string }
  | {
      readonly failBack: false;
      readonly reason: string;
      /** When asking again could change the answer (a preferred node finishes stabilising); null if only a change of state can. */
      readonly recheckAtMs: number | null;
    };

/**
 * Whether a service should move back to a more preferred member of its ordered failover domain
 * (rgmanager failback): only for ordered domains, never with nofailback, and only to a member of
 * strictly better priority (1 is best) than where it runs, which can take it (placement rules:
 * ONLINE, capacity, anti-affinity) and has been ONLINE for the stabilisation time. It targets the
 * best such member; if that one is not yet stable it waits for it rather than move twice.
 */
export function shouldFailBack(input: FailbackInput): FailbackDecision {
  const { service, currentNodeId, nowMs } = input;
  const settings: FailbackSettings = { ...DEFAULT_FAILBACK_SETTINGS, ...input.settings };
  const domain = service.domain;
  if (domain === null) return { failBack: false, reason: 'no failover domain', recheckAtMs: null };
  if (!domain.ordered) return { failBack: false, reason: 'unordered domain: every member is as good as another', recheckAtMs: null };
  if (domain.nofailback) return { failBack: false, reason: 'nofailback is set', recheckAtMs: null };

  const current = domain.members.find((m) => m.nodeId === currentNodeId)?.priority ?? Number.POSITIVE_INFINITY;
  // the service leaves its current node: its own anti-affinity group there does not count
  const placement = placeService({ ...service, triedNodeIds: [] }, input.nodes, { excludeNodeIds: [currentNodeId], ...(input.reservedHosts ? { reservedHosts: input.reservedHosts } : {}) });
  const better = placement.candidates.find((c) => c.member && c.memberPriority !== null && c.memberPriority < current);
  if (!better) return { failBack: false, reason: `no more preferred member can take it (current priority ${Number.isFinite(current) ? current : 'none: not a member'})`, recheckAtMs: null };

  const node = input.nodes.find((n) => n.id === better.nodeId);
  const since = node?.onlineSinceMs ?? null;
  const stableAt = since === null ? null : since + settings.stabilisationSeconds * 1000;
  if (stableAt === null || nowMs < stableAt) {
    return {
      failBack: false,
      reason: `${better.nodeId} (priority ${better.memberPriority}) is not yet stable: needs ${settings.stabilisationSeconds} s ONLINE`,
      recheckAtMs: stableAt,
    };
  }
  return { failBack: true, targetNodeId: better.nodeId, reason: `${better.nodeId} (priority ${better.memberPriority}) is preferred over ${currentNodeId} and stable` };
}
