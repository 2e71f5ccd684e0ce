export * from './jobs';
export { JobRegistry } from './job.registry';
export type { JobContext, JobHandler } from './job.registry';
export { JobProducer, queuePriority } from './job.producer';
export type { EnqueueOptions } from './job.producer';
export { startWorkers } from './job.workers';
export type { WorkerOptions } from './job.workers';
