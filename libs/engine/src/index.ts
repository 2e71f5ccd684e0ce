export * from '@haaas/heartbeats';
export * from '@haaas/node-actions';
export * from '@haaas/detector';
export * from './recovery';
export * from './operations';
export { hypervisorAdapters, hypervisorAdapterOptions } from '@haaas/engine-runtime';
export type { HypervisorAdaptersOptions } from '@haaas/engine-runtime';
