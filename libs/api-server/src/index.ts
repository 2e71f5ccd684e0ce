export { createApiApp, startApi, type ProcessLogOptions } from './bootstrap';
export { AppModule, loggingOf } from './app.module';
