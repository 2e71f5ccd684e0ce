export * from './heartbeats';
export * from './detector';
export * from './recovery';
export * from './operations';
export * from './node-actions';
export { hypervisorAdapters } from './hypervisor-adapters';
