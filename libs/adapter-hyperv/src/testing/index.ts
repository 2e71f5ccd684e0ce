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
