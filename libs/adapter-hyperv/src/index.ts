export { HypervAdapter, type HypervAdapterOptions, HypervHost, parseEndpointUri } from './hyperv.adapter';
export { type CommandResult, WinRmClient, type WinRmClientOptions } from './winrm/winrm.client';
export { type WinRmAuth, WsmanFaultError } from './winrm/winrm.transport';
export { type WsmanFault } from './winrm/wsman.envelope';
export { HypervHostWatch, type HypervHostWatchOptions } from './hyperv-host.watch';
