export { FencingDeviceService, fencingSnapshot } from './fencing-device.service';
export type { AddFencingDevice, SetFencingDeviceOptions, AssociateFencingDevice, FencingDeviceFilter, FencingLevelRecord } from './fencing-device.service';
export { FENCE_AGENT_CATALOG, SyntaxOnlyFenceAgentCatalog } from './fence-agent.catalog';
export type { FenceAgentCatalog, FenceAgentCheck, FenceAgentOptionRef } from './fence-agent.catalog';
export type { FencingOptionValue, FencingOptionChange, FencingOptionMap } from './fencing-options.rules';
export { MAX_FENCING_OPTIONS } from './fencing-options.rules';
export {
  fencingSecretOptionKeys,
  openFencingSecrets,
  sealFencingSecrets,
  fencingDeviceSecretContext,
  fencingAssociationSecretContext,
} from './sealed-options.codec';
