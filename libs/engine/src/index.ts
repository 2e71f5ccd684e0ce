export * from '@haaas/heartbeats';
export * from '@haaas/node-actions';
export * from './detector';
export * from './recovery';
export * from './operations';
export { hypervisorAdapters, hypervisorAdapterOptions } from './hypervisor-adapters';
export type { HypervisorAdaptersOptions } from './hypervisor-adapters';
