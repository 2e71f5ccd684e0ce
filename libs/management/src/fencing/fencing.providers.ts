import { FencingDeviceService } from './fencing-device.service';

/** Application services of fencing devices (FENCE_AGENT_CATALOG is bound with the probes: the metadata of the installed agents). */
export const FENCING_SERVICES = [FencingDeviceService];
