import { NodeProbeService } from './node-probe.service';

/** Application services that talk to hypervisors and BMCs on an operator's request. */
export const PROBE_SERVICES = [NodeProbeService];
