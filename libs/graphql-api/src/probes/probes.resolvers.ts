import { FenceAgentResolver } from './fencing-test.resolver';
import { ProbesResolver } from './probes.resolver';

/** Resolvers of actions that talk to hypervisors and BMCs on request (probes, fencing tests). */
export const PROBE_RESOLVERS = [ProbesResolver, FenceAgentResolver];
