export * from './heartbeats';
export * from './detector';
export * from './recovery';
export * from './operations';
export * from './node-actions';
export { hypervisorAdapters, hypervisorAdapterOptions } from './hypervisor-adapters';
export type { HypervisorAdaptersOptions } from './hypervisor-adapters';
