import { stopAndClean } from './global-setup';
import { takeState } from './test-infra';

/** Stops what global-setup started and removes its temp dir. */
export default async function globalTeardown(): Promise<void> {
  const state = takeState();
  if (!state) return; // servers came from HAAAS_TEST_* variables, or the signal handler did it
  if (state.onSignal) {
    process.off('SIGINT', state.onSignal);
    process.off('SIGTERM', state.onSignal);
  }
  await stopAndClean(state);
}
