import { NodeStatus } from '../enums';
import { DomainMember, FailoverDomainFlags } from '../failover-domain';
import { ReservedHostsMode } from './engine.settings';

/** A failover domain as placement needs it: flags and members (priority 1 = most preferred). */
export interface FailoverDomainSpec extends FailoverDomainFlags {
  /** Identifies the domain: services naming the same id share one member index in `planPlacements`. */
  readonly id: string;
  readonly members: readonly DomainMember[];
}

/** What a service needs from a node. */
export interface PlacementService {
  readonly id: string;
  /** Service priority, 1-1000: higher is placed (and recovered) first. */
  readonly priority: number;
  /** null: any ONLINE node of the cluster, least loaded first (an unordered, unrestricted domain of every node). */
  readonly domain: FailoverDomainSpec | null;
  readonly antiAffinityGroup: string | null;
  /** Sum over the service's VMs. */
  readonly cpus: number;
  readonly memoryMb: number;
  /** Nodes already tried for this service in the current incident: never proposed again. */
  readonly triedNodeIds?: readonly string[];
}

/** A node as placement sees it. `used` includes everything already running or placed on it. */
export interface PlacementNode {
  readonly id: string;
  readonly status: NodeStatus;
  readonly maintenance: boolean;
  /** Heartbeats missing, not yet decided (the node health machine's flag): not a target. */
  readonly suspect?: boolean;
  /** A spare host kept free for failover (see `ReservedHostsMode`). */
  readonly reserved: boolean;
  readonly capacityCpus: number;
  readonly capacityMemoryMb: number;
  readonly usedCpus: number;
  readonly usedMemoryMb: number;
  /** Anti-affinity groups of the services already on the node. */
  readonly antiAffinityGroups: readonly string[];
}

/** Why a node is not a candidate, in the order the checks run (the first failing one is reported). */
export enum RejectionReason {
  /** The request excluded it: the failed node, or the node being evacuated. */
  EXCLUDED_NODE = 'EXCLUDED_NODE',
  /** Already tried for this service in this incident. */
  ALREADY_TRIED = 'ALREADY_TRIED',
  /** Maintenance flag on, or status MAINTENANCE. */
  MAINTENANCE = 'MAINTENANCE',
  /** Any status but ONLINE. */
  NOT_ONLINE = 'NOT_ONLINE',
  /** ONLINE but its heartbeats are missing (not yet decided). */
  SUSPECT = 'SUSPECT',
  /** Not a member of the service's restricted failover domain. */
  NOT_A_MEMBER = 'NOT_A_MEMBER',
  /** Not enough free CPUs or memory. */
  INSUFFICIENT_CAPACITY = 'INSUFFICIENT_CAPACITY',
  /** Already runs a service of the same anti-affinity group. */
  ANTI_AFFINITY = 'ANTI_AFFINITY',
}

export interface NodeRejection {
  readonly nodeId: string;
  readonly reason: RejectionReason;
  /** For people: e.g. "needs 4 CPUs and 8192 MB, has 2 CPUs and 16000 MB free". */
  readonly detail: string;
}

/** A node that can take the service, with what decided its rank. */
export interface PlacementCandidate {
  readonly nodeId: string;
  /** Member of the service's domain (always true without a domain). */
  readonly member: boolean;
  /** The member's priority in an ordered domain; null when unordered, not a member, or no domain. */
  readonly memberPriority: number | null;
  readonly reserved: boolean;
  /** Dominant share of capacity in use before this placement: max(CPU share, memory share), 0..1. */
  readonly load: number;
}

/** `placeService`: every candidate in order (the first is the choice) and why each other node was rejected. */
export interface ServicePlacement {
  readonly serviceId: string;
  /** The first candidate, or null when no node can take the service. */
  readonly nodeId: string | null;
  readonly candidates: readonly PlacementCandidate[];
  readonly rejected: readonly NodeRejection[];
  /** When nodeId is null: a summary of the rejections, for the log and the dry run. */
  readonly reason: string | null;
}

/** One service's outcome in `planPlacements`. */
export interface PlacementDecision {
  readonly serviceId: string;
  readonly priority: number;
  readonly nodeId: string | null;
  /** When nodeId is null: a summary of the rejections. */
  readonly reason: string | null;
  /** When nodeId is null: every node's rejection at that point of the plan (unless `explainUnplaced: 'SUMMARY'`); empty when placed. */
  readonly rejected: readonly NodeRejection[];
}

/** A node's usage after a plan (only nodes that received services are listed). */
export interface NodeUsage {
  readonly nodeId: string;
  readonly usedCpus: number;
  readonly usedMemoryMb: number;
  readonly load: number;
}

export interface PlacementPlan {
  /** In placement order: priority descending, then service id. */
  readonly decisions: readonly PlacementDecision[];
  readonly placed: number;
  readonly unplaced: number;
  readonly usage: readonly NodeUsage[];
}

export interface PlacementOptions {
  /** Nodes no service may go to (the failed node, the node being evacuated). */
  readonly excludeNodeIds?: readonly string[];
  readonly reservedHosts?: ReservedHostsMode;
  /**
   * `planPlacements` only: how an unplaced service is explained. NODES (default): the summary and
   * every node's rejection with its detail; SUMMARY: the summary alone (`rejected` stays empty),
   * much cheaper when thousands of services do not fit.
   */
  readonly explainUnplaced?: 'NODES' | 'SUMMARY';
}
