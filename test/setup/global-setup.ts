import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalInfra } from '@haaas/devstack';
import { saveState, takeState } from './test-infra';

/**
 * One throwaway MariaDB and Redis for the whole run, unless HAAAS_TEST_DB_URL and
 * HAAAS_TEST_REDIS_URL point to servers already. Workers inherit the variables; each test file
 * makes its own database (test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  const givenDb = process.env['HAAAS_TEST_DB_URL'];
  const givenRedis = process.env['HAAAS_TEST_REDIS_URL'];
  if (givenDb && givenRedis) return;

  const dir = await mkdtemp(join(tmpdir(), 'haaas-test-'));
  const log = (line: string): void => void process.stderr.write(`[test infra] ${line}\n`);
  const env = { HAAAS_DB_URL: givenDb, HAAAS_REDIS_URL: givenRedis };
  const infra = await startLocalInfra({ dataDir: dir, log, env }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  process.env['HAAAS_TEST_DB_URL'] = infra.dbUrl;
  process.env['HAAAS_TEST_REDIS_URL'] = infra.redisUrl;

  // Jest has no SIGINT handling of its own outside watch mode; without this, Ctrl-C would leave the
  // temp dir behind (the servers themselves die with jest: devstack's watchdog).
  const onSignal = (): void => {
    const state = takeState();
    void (state ? stopAndClean(state) : Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  saveState({ stop: infra.stop, dir, onSignal });
}

export async function stopAndClean(state: { stop(): Promise<void>; dir: string }): Promise<void> {
  try {
    await state.stop();
  } finally {
    await rm(state.dir, { recursive: true, force: true });
  }
}
