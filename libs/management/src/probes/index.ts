export { NodeProbeService } from './node-probe.service';
export type { NodeProbeResult } from './node-probe.service';
export { HYPERVISOR_ADAPTERS, INTERACTIVE_DEADLINE_MS } from './probes.tokens';
export type { HypervisorAdapters } from './probes.tokens';
