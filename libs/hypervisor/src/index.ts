export * from './adapter.errors';
export * from './hypervisor.port';
export * from './deadline.util';
