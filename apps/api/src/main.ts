/** Entry point of the API process: reads the configuration from the environment and serves. */
import 'reflect-metadata';
import { loadConfig } from '@haaas/config';
import { startApi } from '@haaas/api-server';

startApi(loadConfig()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
