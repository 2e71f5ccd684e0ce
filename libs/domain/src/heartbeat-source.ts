import { HeartbeatSource, Hypervisor } from './enums';
import type { Problems } from './errors';

/**
 * Hypervisors whose manager channel HAaaS can read host liveness from without an agent: vSphere
 * (vCenter pushes HostSystem state through one PropertyCollector long-poll per vCenter) and Hyper-V
 * (a WinRM liveness command per host at the heartbeat interval, in a kept shell). KVM has no such
 * channel that is not the host itself answering libvirt, so its liveness needs the agent.
 */
export const MANAGER_HEARTBEAT_HYPERVISORS: ReadonlySet<Hypervisor> = new Set([Hypervisor.VSPHERE, Hypervisor.HYPERV]);

/** The source reads heartbeats from the hypervisor manager. */
export function usesManagerHeartbeats(source: HeartbeatSource): boolean {
  return source === HeartbeatSource.MANAGER || source === HeartbeatSource.BOTH;
}

/** The source reads heartbeats from node agents (and their isolation checks). */
export function usesAgentHeartbeats(source: HeartbeatSource): boolean {
  return source === HeartbeatSource.AGENT || source === HeartbeatSource.BOTH;
}

/** Validates a cluster's heartbeat source against its hypervisor. */
export function checkHeartbeatSource(p: Problems, field: string, hypervisor: Hypervisor, source: HeartbeatSource | undefined | null): void {
  if (source === undefined || source === null) return;
  if (!Object.values(HeartbeatSource).includes(source)) {
    p.add(field, `unknown heartbeat source; one of ${Object.values(HeartbeatSource).join(', ')}`);
    return;
  }
  if (usesManagerHeartbeats(source) && !MANAGER_HEARTBEAT_HYPERVISORS.has(hypervisor)) {
    p.add(
      field,
      `${source} needs a hypervisor manager channel, which ${hypervisor} clusters do not have yet (available: ${[...MANAGER_HEARTBEAT_HYPERVISORS].join(', ')}); use AGENT`,
    );
  }
}
