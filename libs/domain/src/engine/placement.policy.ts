import { NodeStatus } from '../enums';
import { DEFAULT_PLACEMENT_SETTINGS, ReservedHostsMode } from './engine.settings';
import {
  NodeRejection,
  PlacementCandidate,
  PlacementNode,
  PlacementOptions,
  PlacementService,
  RejectionReason,
  ServicePlacement,
} from './placement.types';

/** Share of one resource in use; a node without that resource counts as full. */
function share(used: number, capacity: number): number {
  return capacity > 0 ? used / capacity : 1;
}

/** "Least loaded" means the lowest dominant share: max(CPU share, memory share) before placing. */
export function loadOf(usedCpus: number, usedMemoryMb: number, capacityCpus: number, capacityMemoryMb: number): number {
  return Math.max(share(usedCpus, capacityCpus), share(usedMemoryMb, capacityMemoryMb));
}

/**
 * Rank class of a candidate: members before non-members (the domain is the user's stated
 * preference); reserved hosts last overall (LAST_RESORT) or first within their class (PREFER).
 */
export function tierOf(member: boolean, reserved: boolean, mode: ReservedHostsMode): number {
  if (mode === ReservedHostsMode.PREFER) return (member ? 0 : 2) + (reserved ? 0 : 1);
  return (reserved ? 2 : 0) + (member ? 0 : 1);
}

/** Member priorities of a domain; the first listing of a node wins (checkDomainMembers refuses duplicates anyway). */
export function memberPriorities(service: PlacementService): ReadonlyMap<string, number> | null {
  if (service.domain === null) return null;
  const m = new Map<string, number>();
  for (const member of service.domain.members) if (!m.has(member.nodeId)) m.set(member.nodeId, member.priority);
  return m;
}

/** A node as it stands during a plan: what it was given plus what earlier placements added. */
export interface NodeLoadView {
  readonly usedCpus: number;
  readonly usedMemoryMb: number;
  hasGroup(group: string): boolean;
}

/**
 * Why `node` cannot take `service`, or null when it can. The checks run in the order of
 * `RejectionReason`, and the first failing one is reported.
 */
export function rejectionReasonOf(
  service: PlacementService,
  node: PlacementNode,
  view: NodeLoadView,
  members: ReadonlyMap<string, number> | null,
  excluded: ReadonlySet<string>,
  tried: ReadonlySet<string>,
): RejectionReason | null {
  const id = node.id;
  if (excluded.has(id)) return RejectionReason.EXCLUDED_NODE;
  if (tried.has(id)) return RejectionReason.ALREADY_TRIED;
  const basic = availabilityReason(node);
  if (basic !== null) return basic;
  if (service.domain !== null && service.domain.restricted && !members?.has(id)) return RejectionReason.NOT_A_MEMBER;
  if (service.cpus > node.capacityCpus - view.usedCpus || service.memoryMb > node.capacityMemoryMb - view.usedMemoryMb) return RejectionReason.INSUFFICIENT_CAPACITY;
  if (service.antiAffinityGroup !== null && view.hasGroup(service.antiAffinityGroup)) return RejectionReason.ANTI_AFFINITY;
  return null;
}

/** The words for one rejection (kept apart from the check: formatting costs more than checking). */
export function rejectionDetail(reason: RejectionReason, service: PlacementService, node: PlacementNode, view: NodeLoadView): string {
  switch (reason) {
    case RejectionReason.EXCLUDED_NODE:
      return 'excluded by the request (the failed or evacuated node)';
    case RejectionReason.ALREADY_TRIED:
      return 'already tried for this service in this incident';
    case RejectionReason.MAINTENANCE:
      return 'in maintenance';
    case RejectionReason.NOT_ONLINE:
      return `status ${node.status}`;
    case RejectionReason.SUSPECT:
      return 'heartbeats missing, not yet decided (suspect)';
    case RejectionReason.NOT_A_MEMBER:
      return `not a member of restricted failover domain ${service.domain?.id ?? ''}`;
    case RejectionReason.INSUFFICIENT_CAPACITY:
      return `needs ${service.cpus} CPUs and ${service.memoryMb} MB; ${node.capacityCpus - view.usedCpus} CPUs and ${node.capacityMemoryMb - view.usedMemoryMb} MB free`;
    case RejectionReason.ANTI_AFFINITY:
      return `already runs a service of anti-affinity group ${service.antiAffinityGroup ?? ''}`;
  }
}

export function rejectionOf(
  service: PlacementService,
  node: PlacementNode,
  view: NodeLoadView,
  members: ReadonlyMap<string, number> | null,
  excluded: ReadonlySet<string>,
  tried: ReadonlySet<string>,
): NodeRejection | null {
  const reason = rejectionReasonOf(service, node, view, members, excluded, tried);
  return reason === null ? null : { nodeId: node.id, reason, detail: rejectionDetail(reason, service, node, view) };
}

/** Maintenance, status and suspicion: whether the node may take any service at all. */
export function availabilityReason(node: PlacementNode): RejectionReason | null {
  if (node.maintenance || node.status === NodeStatus.MAINTENANCE) return RejectionReason.MAINTENANCE;
  if (node.status !== NodeStatus.ONLINE) return RejectionReason.NOT_ONLINE;
  if (node.suspect === true) return RejectionReason.SUSPECT;
  return null;
}

const REASON_WORDS: Readonly<Record<RejectionReason, string>> = {
  [RejectionReason.EXCLUDED_NODE]: 'excluded',
  [RejectionReason.ALREADY_TRIED]: 'already tried',
  [RejectionReason.MAINTENANCE]: 'in maintenance',
  [RejectionReason.NOT_ONLINE]: 'not online',
  [RejectionReason.SUSPECT]: 'suspect',
  [RejectionReason.NOT_A_MEMBER]: 'outside the restricted domain',
  [RejectionReason.INSUFFICIENT_CAPACITY]: 'without capacity',
  [RejectionReason.ANTI_AFFINITY]: 'anti-affinity',
};

/** One line for the log and the dry run, e.g. "no candidate among 5 nodes: 1 excluded, 4 without capacity". */
export function summarizeRejections(rejected: readonly NodeRejection[]): string {
  const counts = new Map<RejectionReason, number>();
  for (const r of rejected) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  return summarizeCounts(counts, rejected.length);
}

export function summarizeCounts(counts: ReadonlyMap<RejectionReason, number>, total: number): string {
  if (total === 0) return 'no candidate: the cluster has no nodes';
  const parts = Object.values(RejectionReason)
    .filter((reason) => counts.has(reason))
    .map((reason) => `${counts.get(reason) ?? 0} ${REASON_WORDS[reason]}`);
  return `no candidate among ${total} node${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** Candidate order: tier, then member priority (ordered domains only), then load, then node id. */
export interface RankKey {
  readonly tier: number;
  readonly priority: number;
  readonly load: number;
  readonly id: string;
}

export function compareRank(a: RankKey, b: RankKey): number {
  return a.tier - b.tier || a.priority - b.priority || a.load - b.load || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Every node that can take `service`, best first, and why each other node cannot. Pure: the nodes'
 * `used*` and `antiAffinityGroups` must already include everything running or placed on them.
 *
 * Order: members of the domain (by member priority when the domain is ordered, 1 first), then
 * non-members (only when the domain is not restricted); within each, the least loaded first, then
 * the node id. Reserved hosts come after all the others, or first within their class with
 * `ReservedHostsMode.PREFER`. A service without a domain treats every node as an unordered member.
 */
export function placeService(service: PlacementService, nodes: readonly PlacementNode[], options: PlacementOptions = {}): ServicePlacement {
  const mode = options.reservedHosts ?? DEFAULT_PLACEMENT_SETTINGS.reservedHosts;
  const excluded = new Set(options.excludeNodeIds ?? []);
  const tried = new Set(service.triedNodeIds ?? []);
  const members = memberPriorities(service);
  const ordered = service.domain?.ordered ?? false;
  const ranked: { key: RankKey; candidate: PlacementCandidate }[] = [];
  const rejected: NodeRejection[] = [];
  for (const node of nodes) {
    const groups = new Set(node.antiAffinityGroups);
    const view: NodeLoadView = { usedCpus: node.usedCpus, usedMemoryMb: node.usedMemoryMb, hasGroup: (g) => groups.has(g) };
    const rejection = rejectionOf(service, node, view, members, excluded, tried);
    if (rejection) {
      rejected.push(rejection);
      continue;
    }
    const memberPriority = members === null ? null : (members.get(node.id) ?? null);
    const member = members === null || memberPriority !== null;
    const load = loadOf(node.usedCpus, node.usedMemoryMb, node.capacityCpus, node.capacityMemoryMb);
    const rankedPriority = ordered && memberPriority !== null ? memberPriority : 0;
    ranked.push({
      key: { tier: tierOf(member, node.reserved, mode), priority: rankedPriority, load, id: node.id },
      candidate: { nodeId: node.id, member, memberPriority: ordered ? memberPriority : null, reserved: node.reserved, load },
    });
  }
  ranked.sort((a, b) => compareRank(a.key, b.key));
  const candidates = ranked.map((r) => r.candidate);
  const first = candidates[0];
  return {
    serviceId: service.id,
    nodeId: first ? first.nodeId : null,
    candidates,
    rejected,
    reason: first ? null : summarizeRejections(rejected),
  };
}
