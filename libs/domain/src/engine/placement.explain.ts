import { availabilityReason, rejectionDetail, summarizeCounts } from './placement.policy';
import { NodeRejection, PlacementDecision, PlacementNode, PlacementService, RejectionReason } from './placement.types';

/** The reasons in check order; a node's reason is stored as its index here (a byte, not an object). */
const REASONS: readonly RejectionReason[] = Object.values(RejectionReason);
const CODE = new Map(REASONS.map((r, i) => [r, i]));
const code = (r: RejectionReason): number => CODE.get(r) as number;
const EXCLUDED = code(RejectionReason.EXCLUDED_NODE);
const TRIED = code(RejectionReason.ALREADY_TRIED);
const NOT_A_MEMBER = code(RejectionReason.NOT_A_MEMBER);
const CAPACITY = code(RejectionReason.INSUFFICIENT_CAPACITY);
const ANTI_AFFINITY = code(RejectionReason.ANTI_AFFINITY);
const NONE = 255;

/** What `planPlacements` keeps per node, indexed by the node's rank (id order). */
export interface PlanState {
  readonly nodes: readonly PlacementNode[];
  readonly usedCpus: Float64Array;
  readonly usedMemoryMb: Float64Array;
  readonly groups: readonly ReadonlySet<string>[];
}

/**
 * Explains unplaced services against the plan's state at that point. A saturated plan may leave
 * hundreds of services unplaced over thousands of nodes: building a rejection object and its words
 * for every pair was most of the plan's time, while recovery reads only the summary. So the check
 * runs now into a byte per node (with a copy of the free capacity, two typed-array copies), the
 * summary is counted from those bytes, and the per-node list is built from them only when
 * `rejected` is first read (the same list, with the same words, as an eager one).
 */
export class UnplacedExplainer {
  /** Per rank: EXCLUDED, an availability reason, or NONE: what holds for every service. */
  private readonly fixed: Uint8Array;
  /** Per restricted domain id: 1 at the rank of each member. */
  private readonly memberMasks = new Map<string, Uint8Array>();

  constructor(
    private readonly state: PlanState,
    excluded: ReadonlySet<string>,
  ) {
    this.fixed = new Uint8Array(state.nodes.length);
    state.nodes.forEach((n, i) => {
      const available = availabilityReason(n);
      this.fixed[i] = excluded.has(n.id) ? EXCLUDED : available === null ? NONE : code(available);
    });
  }

  /** The decision for a service no node can take, at this point of the plan. */
  unplaced(service: PlacementService, members: ReadonlyMap<string, number> | null, tried: ReadonlySet<string> | null, detailed: boolean): PlacementDecision {
    const { nodes, usedCpus, usedMemoryMb, groups } = this.state;
    const restricted = service.domain !== null && service.domain.restricted ? this.maskOf(service.domain.id, members) : null;
    const group = service.antiAffinityGroup;
    const reasons = new Uint8Array(nodes.length);
    const counts = new Uint32Array(REASONS.length);
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as PlacementNode;
      let r = this.fixed[i] as number;
      if (r !== EXCLUDED && tried !== null && tried.has(n.id)) r = TRIED;
      else if (r === NONE) {
        if (restricted !== null && restricted[i] === 0) r = NOT_A_MEMBER;
        else if (service.cpus > n.capacityCpus - (usedCpus[i] as number) || service.memoryMb > n.capacityMemoryMb - (usedMemoryMb[i] as number)) r = CAPACITY;
        else if (group !== null && (groups[i] as ReadonlySet<string>).has(group)) r = ANTI_AFFINITY;
        // unreachable while the heaps agree with the checks; counted as capacity so a disagreement shows
        else r = CAPACITY;
      }
      reasons[i] = r;
      counts[r] = (counts[r] as number) + 1;
    }
    const byReason = new Map<RejectionReason, number>();
    counts.forEach((c, i) => c > 0 && byReason.set(REASONS[i] as RejectionReason, c));
    const reason = summarizeCounts(byReason, nodes.length);
    const decision = { serviceId: service.id, priority: service.priority, nodeId: null, reason };
    if (!detailed) return { ...decision, rejected: [] };
    return withLazyRejections(decision, service, nodes, reasons, usedCpus.slice(), usedMemoryMb.slice());
  }

  private maskOf(domainId: string, members: ReadonlyMap<string, number> | null): Uint8Array {
    let mask = this.memberMasks.get(domainId);
    if (mask === undefined) {
      mask = memberMask(this.state.nodes, members);
      this.memberMasks.set(domainId, mask);
    }
    return mask;
  }
}

/** Membership by rank, so that explaining checks a byte rather than a map per node. */
function memberMask(nodes: readonly PlacementNode[], members: ReadonlyMap<string, number> | null): Uint8Array {
  return Uint8Array.from(nodes, (n) => (members?.has(n.id) ? 1 : 0));
}

/** `rejected` as an own enumerable getter: spreads, JSON and deep equality see the list itself. */
function withLazyRejections(
  decision: Omit<PlacementDecision, 'rejected'>,
  service: PlacementService,
  nodes: readonly PlacementNode[],
  reasons: Uint8Array,
  usedCpus: Float64Array,
  usedMemoryMb: Float64Array,
): PlacementDecision {
  let list: NodeRejection[] | null = null;
  const out = decision as PlacementDecision;
  Object.defineProperty(out, 'rejected', {
    enumerable: true,
    get: (): readonly NodeRejection[] => {
      if (list === null) {
        list = nodes.map((node, i) => {
          const r = REASONS[reasons[i] as number] as RejectionReason;
          const view = { usedCpus: usedCpus[i] as number, usedMemoryMb: usedMemoryMb[i] as number, hasGroup: () => false };
          return { nodeId: node.id, reason: r, detail: rejectionDetail(r, service, node, view) };
        });
      }
      return list;
    },
  });
  return out;
}
