export * from './adapter.errors';
export * from './hypervisor.port';
export * from './deadline.util';
export * from './pooled.adapter';
export * from './host-watch.port';
