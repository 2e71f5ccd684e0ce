export { startWorker } from './bootstrap';
export { WorkerModule } from './worker.module';
