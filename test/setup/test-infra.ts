/** What global-setup hands to global-teardown (both run in jest's main process, in separate module registries). */
export interface TestInfraState {
  stop(): Promise<void>;
  dir: string;
  onSignal?: () => void;
}

const KEY = Symbol.for('haaas.testInfra');
type Holder = { [KEY]?: TestInfraState };

export const saveState = (state: TestInfraState): void => void ((globalThis as Holder)[KEY] = state);
export const takeState = (): TestInfraState | undefined => {
  const state = (globalThis as Holder)[KEY];
  delete (globalThis as Holder)[KEY];
  return state;
};
