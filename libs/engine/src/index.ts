export * from './heartbeats';
export * from './detector';
export * from './recovery';
export * from './operations';
export { hypervisorAdapters } from './hypervisor-adapters';
