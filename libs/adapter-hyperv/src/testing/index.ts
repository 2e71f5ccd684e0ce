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
