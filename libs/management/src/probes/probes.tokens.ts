import type { Hypervisor } from '@haaas/domain';
import type { HypervisorAdapter } from '@haaas/hypervisor';

/** The hypervisor adapters the application drives, by cluster hypervisor (wired by the app). */
export type HypervisorAdapters = ReadonlyMap<Hypervisor, HypervisorAdapter>;
export const HYPERVISOR_ADAPTERS = Symbol('HYPERVISOR_ADAPTERS');

/** Deadline of a probe or test an operator asks for: long enough for a slow manager, short enough to wait for. */
export const INTERACTIVE_DEADLINE_MS = 15_000;
