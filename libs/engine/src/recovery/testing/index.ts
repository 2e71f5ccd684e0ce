// The recovery lab, for the tests and benchmarks of other libraries (test code only: `type:testing` rules).
export { LAB_TENANT, labSecrets, startLab } from './recovery-lab';
export type { Lab, Seeded, WorkerProcess } from './recovery-lab';
