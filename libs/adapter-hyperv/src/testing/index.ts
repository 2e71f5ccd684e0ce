export {
  type CommandHandler,
  type CommandOutput,
  decodeEncodedCommand,
  type ExecutedCommand,
  type ServerEvent,
  startWinRmTestServer,
  type WinRmTestServer,
  type WinRmTestServerOptions,
} from './winrm-test.server';
export { DEBIAN_PYTHON, ensurePyWinRm, type PyWinRmOptions, type PyWinRmResult, type PyWinRmStep, runPyWinRm } from './pywinrm.client';
export {
  HypervHostSimulator,
  type HypervSimulatorOptions,
  type RecordedError,
  RecordedErrors,
  type SimulatedVm,
  type SimulatorCall,
  scriptVariables,
  vmcxPath,
} from './hyperv-host.simulator';
export { type GoWinRmCommand, type GoWinRmPeer, startGoWinRmTest } from './winrmtest-go.peer';
