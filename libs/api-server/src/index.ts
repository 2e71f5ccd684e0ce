export { createApiApp, startApi } from './bootstrap';
export { AppModule } from './app.module';
