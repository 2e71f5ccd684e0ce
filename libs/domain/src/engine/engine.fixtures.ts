/** Test fixtures shared by the engine's specs (not exported from the library). */
import { NodeStatus } from '../enums';
import { FailoverDomainSpec, PlacementNode, PlacementService } from './placement.types';

/** An ONLINE node with 16 CPUs and 64 GiB, empty, unless told otherwise. */
export function node(id: string, o: Partial<PlacementNode> = {}): PlacementNode {
  return {
    id,
    status: NodeStatus.ONLINE,
    maintenance: false,
    reserved: false,
    capacityCpus: 16,
    capacityMemoryMb: 65536,
    usedCpus: 0,
    usedMemoryMb: 0,
    antiAffinityGroups: [],
    ...o,
  };
}

/** A 2-CPU, 4 GiB service of priority 500 without a domain, unless told otherwise. */
export function service(id: string, o: Partial<PlacementService> = {}): PlacementService {
  return { id, priority: 500, domain: null, antiAffinityGroup: null, cpus: 2, memoryMb: 4096, ...o };
}

/** Domain d1, ordered, unrestricted, failback allowed, unless told otherwise. */
export function domain(members: [string, number][], flags: Partial<Omit<FailoverDomainSpec, 'members'>> = {}): FailoverDomainSpec {
  return { id: 'd1', ordered: true, restricted: false, nofailback: false, members: members.map(([nodeId, priority]) => ({ nodeId, priority })), ...flags };
}

