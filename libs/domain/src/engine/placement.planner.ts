import { BinaryHeap } from './binary-heap.util';
import { DEFAULT_PLACEMENT_SETTINGS, ReservedHostsMode } from './engine.settings';
import { UnplacedExplainer } from './placement.explain';
import { availabilityReason, loadOf, NodeLoadView } from './placement.policy';
import {
  FailoverDomainSpec,
  NodeUsage,
  PlacementDecision,
  PlacementNode,
  PlacementOptions,
  PlacementPlan,
  PlacementService,
} from './placement.types';

/** A node during the plan: its input plus what the plan has put on it so far. */
interface PlanNode extends NodeLoadView {
  readonly node: PlacementNode;
  /** Position in id order: the final tie-break, compared as a number. */
  readonly rank: number;
  usedCpus: number;
  usedMemoryMb: number;
  load: number;
  readonly groups: Set<string>;
  /** Too full for any service still to be placed: dropped from every heap when met. */
  dead: boolean;
  touched: boolean;
}

/** A heap entry; `load` is the node's load when the entry was (re)inserted. */
interface Entry {
  readonly node: PlanNode;
  readonly priority: number;
  load: number;
}

const entryBefore = (a: Entry, b: Entry): number => a.priority - b.priority || a.load - b.load || a.node.rank - b.node.rank;

/** Candidate heaps of one failover domain: members split into ordinary and reserved hosts. */
interface DomainIndex {
  readonly members: ReadonlyMap<string, number>;
  readonly ordinary: BinaryHeap<Entry>;
  readonly reserved: BinaryHeap<Entry>;
}

/** A heap to search, and whether domain members met in it are skipped (they were tried in an earlier tier). */
interface Tier {
  readonly heap: BinaryHeap<Entry>;
  readonly skip: ReadonlyMap<string, number> | null;
}

/** A service no node could take: what it asked for. */
interface Failure {
  readonly cpus: number;
  readonly memoryMb: number;
}

/**
 * Services that found no node, per domain (and per anti-affinity group). Loads and groups only
 * grow during a plan, so a later service of the same domain asking at least as much (and of the
 * same group, or any group when the failed one had none) finds no node either: it is explained
 * without searching the heaps again, which in a saturated cluster means every candidate.
 */
class FailureMemo {
  private readonly byKey = new Map<string, Failure[]>();

  private static key(domainId: string | null, group: string | null): string {
    return `${domainId === null ? '' : `d:${domainId}`}\u0000${group ?? ''}`;
  }

  knownToFail(s: PlacementService): boolean {
    const d = s.domain?.id ?? null;
    return this.covers(FailureMemo.key(d, null), s) || (s.antiAffinityGroup !== null && this.covers(FailureMemo.key(d, s.antiAffinityGroup), s));
  }

  /** Only services without tried nodes are recorded: tried nodes narrow one service's choice alone. */
  record(s: PlacementService): void {
    const key = FailureMemo.key(s.domain?.id ?? null, s.antiAffinityGroup);
    const list = this.byKey.get(key) ?? [];
    if (!this.covers(key, s)) list.push({ cpus: s.cpus, memoryMb: s.memoryMb });
    this.byKey.set(key, list);
  }

  private covers(key: string, s: PlacementService): boolean {
    const list = this.byKey.get(key);
    return list !== undefined && list.some((f) => f.cpus <= s.cpus && f.memoryMb <= s.memoryMb);
  }
}

/**
 * Places many services one after another, each seeing what the earlier ones consumed (capacity
 * and anti-affinity groups), in priority order (highest first, then service id). Every service
 * gets exactly the node `placeService` would choose at that point of the plan; the tests check
 * this against the naive loop.
 *
 * Instead of ranking every node for every service, it keeps a heap of candidates per failover
 * domain (and two for the whole cluster). Loads only grow during a plan, so a stale heap key is
 * never larger than the true one: an entry is refreshed when it reaches the top (lazy update).
 * Nodes that cannot take the current service (full, same anti-affinity group, already tried) are
 * set aside and put back afterwards; nodes too full for every remaining service are dropped.
 * A service that can be known to fit nowhere (`FailureMemo`) skips the search, and unplaced
 * services are explained by `UnplacedExplainer` (the per-node list built when first read).
 */
// eslint-disable-next-line max-lines-per-function -- one loop over a lazy heap whose local state (heap, set-aside nodes, usage) every step shares; bench/placement.bench.ts measures it
export function planPlacements(services: readonly PlacementService[], nodes: readonly PlacementNode[], options: PlacementOptions = {}): PlacementPlan {
  const mode = options.reservedHosts ?? DEFAULT_PLACEMENT_SETTINGS.reservedHosts;
  const excluded = new Set(options.excludeNodeIds ?? []);
  const detailed = (options.explainUnplaced ?? 'NODES') === 'NODES';
  const order = sortForPlacement(services);

  // suffix minima of the requirements: a node with less free than these can take no later service
  const minCpus = new Float64Array(order.length + 1).fill(Number.POSITIVE_INFINITY);
  const minMemory = new Float64Array(order.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = order.length - 1; i >= 0; i--) {
    const s = order[i] as PlacementService;
    minCpus[i] = Math.min(minCpus[i + 1] as number, s.cpus);
    minMemory[i] = Math.min(minMemory[i + 1] as number, s.memoryMb);
  }

  const byId = [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // the explainer's view of the plan: by rank, kept in step with the PlanNodes below
  const usedCpusByRank = Float64Array.from(byId, (n) => n.usedCpus);
  const usedMemoryByRank = Float64Array.from(byId, (n) => n.usedMemoryMb);
  const groupsByRank: Set<string>[] = [];
  const planNodes: PlanNode[] = byId.map((node, rank) => {
    const groups = new Set(node.antiAffinityGroups);
    groupsByRank.push(groups);
    return {
      node,
      rank,
      usedCpus: node.usedCpus,
      usedMemoryMb: node.usedMemoryMb,
      load: loadOf(node.usedCpus, node.usedMemoryMb, node.capacityCpus, node.capacityMemoryMb),
      groups,
      hasGroup: (g: string) => groups.has(g),
      dead: false,
      touched: false,
    };
  });
  // only nodes that may take some service enter the heaps; the others are explained on demand
  const eligible = planNodes.filter((p) => !excluded.has(p.node.id) && availabilityReason(p.node) === null);
  const eligibleById = new Map(eligible.map((p) => [p.node.id, p]));

  const globalOrdinary = new BinaryHeap<Entry>(entryBefore);
  const globalReserved = new BinaryHeap<Entry>(entryBefore);
  for (const p of eligible) (p.node.reserved ? globalReserved : globalOrdinary).push({ node: p, priority: 0, load: p.load });

  const domains = new Map<string, DomainIndex>();
  const indexOf = (domain: FailoverDomainSpec): DomainIndex => {
    const known = domains.get(domain.id);
    if (known) return known;
    const members = new Map<string, number>();
    for (const m of domain.members) if (!members.has(m.nodeId)) members.set(m.nodeId, m.priority);
    const index: DomainIndex = { members, ordinary: new BinaryHeap(entryBefore), reserved: new BinaryHeap(entryBefore) };
    for (const [nodeId, priority] of members) {
      const p = eligibleById.get(nodeId);
      if (p) (p.node.reserved ? index.reserved : index.ordinary).push({ node: p, priority: domain.ordered ? priority : 0, load: p.load });
    }
    domains.set(domain.id, index);
    return index;
  };

  // the heaps to search, in candidate order (see tierOf): cached per domain
  const prefer = mode === ReservedHostsMode.PREFER;
  const anyNode: Tier[] = prefer
    ? [{ heap: globalReserved, skip: null }, { heap: globalOrdinary, skip: null }]
    : [{ heap: globalOrdinary, skip: null }, { heap: globalReserved, skip: null }];
  const tierCache = new Map<string, Tier[]>();
  const tiersOf = (service: PlacementService): readonly Tier[] => {
    if (service.domain === null) return anyNode;
    const cached = tierCache.get(service.domain.id);
    if (cached) return cached;
    const d = indexOf(service.domain);
    const own = (heap: BinaryHeap<Entry>): Tier => ({ heap, skip: null });
    const others = (heap: BinaryHeap<Entry>): Tier[] => (service.domain?.restricted ? [] : [{ heap, skip: d.members }]);
    const tiers = prefer
      ? [own(d.reserved), own(d.ordinary), ...others(globalReserved), ...others(globalOrdinary)]
      : [own(d.ordinary), ...others(globalOrdinary), own(d.reserved), ...others(globalReserved)];
    tierCache.set(service.domain.id, tiers);
    return tiers;
  };

  const explainer = new UnplacedExplainer({ nodes: byId, usedCpus: usedCpusByRank, usedMemoryMb: usedMemoryByRank, groups: groupsByRank }, excluded);
  const failures = new FailureMemo();
  const aside: Entry[] = [];
  const decisions: PlacementDecision[] = [];
  let placed = 0;
  for (let i = 0; i < order.length; i++) {
    const service = order[i] as PlacementService;
    const tried = service.triedNodeIds && service.triedNodeIds.length > 0 ? new Set(service.triedNodeIds) : null;
    const group = service.antiAffinityGroup;
    const needCpus = minCpus[i] as number;
    const needMemory = minMemory[i] as number;
    let chosen: PlanNode | null = null;
    const tiers = failures.knownToFail(service) ? [] : tiersOf(service);
    for (const tier of tiers) {
      const heap = tier.heap;
      for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
        const p = top.node;
        if (p.dead) {
          heap.pop();
          continue;
        }
        if (top.load !== p.load) {
          // the node took services since this entry was made: reinsert with its true (higher) load
          heap.pop();
          top.load = p.load;
          heap.push(top);
          continue;
        }
        const freeCpus = p.node.capacityCpus - p.usedCpus;
        const freeMemory = p.node.capacityMemoryMb - p.usedMemoryMb;
        if (freeCpus < needCpus || freeMemory < needMemory) {
          p.dead = true;
          heap.pop();
          continue;
        }
        if (
          (tier.skip !== null && tier.skip.has(p.node.id)) ||
          service.cpus > freeCpus ||
          service.memoryMb > freeMemory ||
          (group !== null && p.groups.has(group)) ||
          (tried !== null && tried.has(p.node.id))
        ) {
          aside.push(heap.pop() as Entry);
          continue;
        }
        chosen = p;
        break;
      }
      for (const e of aside) heap.push(e);
      aside.length = 0;
      if (chosen) break;
    }

    if (chosen) {
      chosen.usedCpus += service.cpus;
      chosen.usedMemoryMb += service.memoryMb;
      chosen.load = loadOf(chosen.usedCpus, chosen.usedMemoryMb, chosen.node.capacityCpus, chosen.node.capacityMemoryMb);
      if (group !== null) chosen.groups.add(group);
      chosen.touched = true;
      usedCpusByRank[chosen.rank] = chosen.usedCpus;
      usedMemoryByRank[chosen.rank] = chosen.usedMemoryMb;
      placed += 1;
      decisions.push({ serviceId: service.id, priority: service.priority, nodeId: chosen.node.id, reason: null, rejected: [] });
    } else {
      if (tried === null) failures.record(service);
      const members = service.domain === null ? null : indexOf(service.domain).members;
      decisions.push(explainer.unplaced(service, members, tried, detailed));
    }
  }

  const usage: NodeUsage[] = planNodes
    .filter((p) => p.touched)
    .map((p) => ({ nodeId: p.node.id, usedCpus: p.usedCpus, usedMemoryMb: p.usedMemoryMb, load: p.load }));
  return { decisions, placed, unplaced: order.length - placed, usage };
}

/** Placement and recovery order: priority descending (higher first), then service id, so every run agrees. */
export function sortForPlacement<T extends { readonly id: string; readonly priority: number }>(services: readonly T[]): T[] {
  return [...services].sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
