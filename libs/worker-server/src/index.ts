export { startWorker, workerMetricsUrl } from './bootstrap';
export { WorkerModule } from './worker.module';
