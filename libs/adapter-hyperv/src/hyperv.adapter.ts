import { Hypervisor } from '@haaas/domain';
import {
  AdapterError,
  type CallOptions,
  type Capabilities,
  checkDeadline,
  type HostConnectionState,
  type HostPowerAction,
  type HostProbe,
  type HostWatchingAdapter,
  type HypervisorAdapter,
  type HypervisorEndpoint,
  type HypervisorHost,
  isAdapterError,
  type StopOptions,
  type VmDefinition,
  type VmInfo,
} from '@haaas/hypervisor';
import { redact } from '@haaas/secrets';
import { HypervHostWatch, type HypervHostWatchOptions } from './hyperv-host.watch';
import { parseObject, parseVm, parseVmList } from './powershell/hyperv.parse';
import { HypervScripts } from './powershell/hyperv.scripts';
import { powershellError } from './powershell/powershell.errors';
import { powershellCommand } from './powershell/powershell.script';
import { type CommandResult, WinRmClient } from './winrm/winrm.client';
import { type WinRmAuth } from './winrm/winrm.transport';

export interface HypervAdapterOptions {
  /** Authentication when the endpoint URI does not say (`?auth=basic|ntlm`); default NTLM. */
  readonly auth?: WinRmAuth;
  /** PEM CA certificates trusted for HTTPS listeners (besides the system store). */
  readonly ca?: string | Buffer;
  /** OperationTimeout of a Receive, seconds; default 20. */
  readonly operationTimeoutS?: number;
  /** Tuning of the liveness watch (the manager heartbeat channel). */
  readonly watch?: Omit<HypervHostWatchOptions, 'secrets'>;
}

/**
 * Hyper-V through WinRM and PowerShell: each operation is one PowerShell script on the host
 * (Hyper-V module, FailoverClusters where the host is a cluster node), run in a WinRM shell.
 */
export class HypervAdapter implements HypervisorAdapter, HostWatchingAdapter {
  readonly hypervisor = Hypervisor.HYPERV;

  constructor(private readonly options: HypervAdapterOptions = {}) {}

  connect(endpoint: HypervisorEndpoint): HypervisorHost {
    return new HypervHost(endpoint, this.options);
  }

  /**
   * The manager heartbeat channel of one Hyper-V host (its own WinRM endpoint): a kept shell and a
   * cheap command at each interval (HypervHostWatch). Keyed by the endpoint's `host` (the node's host
   * name), else the URI's host name.
   */
  watchHosts(endpoint: HypervisorEndpoint): HypervHostWatch {
    if (!endpoint.username || !endpoint.password) throw new AdapterError('AUTH_FAILED', 'watchHosts: a Hyper-V endpoint needs a username and a password', 'watchHosts');
    const { url, auth } = parseEndpointUri(endpoint.uri, this.options.auth);
    const client = new WinRmClient({ endpoint: url, username: endpoint.username, password: endpoint.password, auth, insecureTls: endpoint.insecureTls, ca: this.options.ca, operationTimeoutS: this.options.operationTimeoutS });
    return new HypervHostWatch(client, endpoint.host ?? new URL(url).hostname, { ...this.options.watch, secrets: [endpoint.password] });
  }
}

/** Endpoint URI → WinRM URL and authentication (`?auth=` is ours, not sent to the host). */
export function parseEndpointUri(uri: string, fallback: WinRmAuth = 'ntlm'): { url: string; auth: WinRmAuth } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`not a WinRM endpoint URI: ${uri}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`a WinRM endpoint is http(s)://host:port/wsman, not ${url.protocol}`);
  const auth = url.searchParams.get('auth') ?? fallback;
  if (auth !== 'ntlm' && auth !== 'basic') throw new Error(`unknown WinRM authentication ${auth}: ntlm or basic`);
  url.searchParams.delete('auth');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/wsman';
  // URL drops a default port (443, 80): only a URI without any port gets WinRM's
  const explicitPort = /^[a-z]+:\/\/[^/?#]*:\d+(?:[/?#]|$)/i.test(uri);
  if (!url.port && !explicitPort) url.port = url.protocol === 'https:' ? '5986' : '5985';
  return { url: url.href, auth };
}

export class HypervHost implements HypervisorHost {
  readonly capabilities: Capabilities = { migrate: true, hostPower: true, register: true };
  private readonly client: WinRmClient | undefined;
  private readonly configError: AdapterError | undefined;
  private readonly secrets: string[];

  constructor(
    private readonly endpoint: HypervisorEndpoint,
    options: HypervAdapterOptions = {},
  ) {
    this.secrets = endpoint.password ? [endpoint.password] : [];
    try {
      if (!endpoint.username || !endpoint.password) throw new AdapterError('AUTH_FAILED', 'connect: a Hyper-V endpoint needs a username and a password', 'connect');
      const { url, auth } = parseEndpointUri(endpoint.uri, options.auth);
      this.client = new WinRmClient({
        endpoint: url,
        username: endpoint.username,
        password: endpoint.password,
        auth,
        insecureTls: endpoint.insecureTls,
        ca: options.ca,
        operationTimeoutS: options.operationTimeoutS,
      });
    } catch (error) {
      this.configError = isAdapterError(error) ? error : new AdapterError('UNSUPPORTED', `connect: ${(error as Error).message}`, 'connect');
    }
  }

  async probe(o: CallOptions): Promise<HostProbe> {
    const started = performance.now();
    let raw: Record<string, unknown>;
    try {
      raw = parseObject(await this.run('probe', HypervScripts.probe(), o));
    } catch (error) {
      if (isAdapterError(error, 'UNREACHABLE')) {
        return { reachable: false, connectionState: 'NOT_RESPONDING', maintenance: false, latencyMs: performance.now() - started, details: {} };
      }
      throw error;
    }
    const latencyMs = performance.now() - started;
    const nodeState = str(raw['NodeState']);
    const maintenance = nodeState === 'Paused' || nodeState === '2';
    const connectionState: HostConnectionState = maintenance ? 'MAINTENANCE' : nodeState === 'Down' ? 'DISCONNECTED' : 'CONNECTED';
    const details: Record<string, string> = {};
    for (const [k, key] of [
      ['computerName', 'ComputerName'],
      ['fqdn', 'Fqdn'],
      ['osVersion', 'OsVersion'],
      ['logicalProcessors', 'LogicalProcessorCount'],
      ['memoryBytes', 'MemoryCapacity'],
      ['cluster', 'Cluster'],
      ['clusterNodeState', 'NodeState'],
    ] as const) {
      const v = str(raw[key]);
      if (v) details[k] = v;
    }
    return { reachable: true, connectionState, maintenance, latencyMs, details };
  }

  async listVms(o: CallOptions): Promise<VmInfo[]> {
    return this.parsed('listVms', parseVmList, await this.run('listVms', HypervScripts.listVms(), o));
  }

  async getVm(ref: string, o: CallOptions): Promise<VmInfo> {
    return this.parsed('getVm', parseVm, await this.run('getVm', HypervScripts.getVm(ref), o));
  }

  async startVm(ref: string, o: CallOptions): Promise<void> {
    try {
      await this.run('startVm', HypervScripts.startVm(ref), o);
    } catch (error) {
      // Started by someone else between our look and Start-VM: success if it runs now.
      if (isAdapterError(error, 'INVALID_STATE') && (await this.getVm(ref, o)).powerState === 'RUNNING') return;
      throw error;
    }
  }

  async stopVm(ref: string, o: StopOptions): Promise<void> {
    try {
      await this.run('stopVm', HypervScripts.stopVm(ref, Math.ceil(o.gracefulTimeoutMs / 1000)), o);
    } catch (error) {
      if (isAdapterError(error, 'INVALID_STATE') && (await this.getVm(ref, o)).powerState === 'STOPPED') return;
      throw error;
    }
  }

  async rebootVm(ref: string, o: CallOptions): Promise<void> {
    await this.run('rebootVm', HypervScripts.rebootVm(ref), o);
  }

  async exportVm(ref: string, o: CallOptions): Promise<VmDefinition> {
    const raw = this.parsed('exportVm', parseObject, await this.run('exportVm', HypervScripts.exportVm(ref), o));
    const path = str(raw['Path']);
    if (!path) throw new AdapterError('FAILED', `exportVm: no configuration path for ${ref}`, 'exportVm');
    return { ref: str(raw['Name']) ?? ref, format: 'hyperv-vmcx', data: path };
  }

  async registerVm(definition: VmDefinition, o: CallOptions): Promise<VmInfo> {
    if (definition.format !== 'hyperv-vmcx') {
      throw new AdapterError('UNSUPPORTED', `registerVm: Hyper-V registers a .vmcx configuration, not ${definition.format}`, 'registerVm');
    }
    return this.parsed('registerVm', parseVm, await this.run('registerVm', HypervScripts.registerVm(definition.data), o));
  }

  async migrateVm(ref: string, targetHost: string, o: CallOptions): Promise<void> {
    await this.run('migrateVm', HypervScripts.migrateVm(ref, targetHost), o);
  }

  async hostPower(action: HostPowerAction, o: CallOptions): Promise<'on' | 'off' | 'unknown'> {
    if (action === 'on') {
      throw new AdapterError('UNSUPPORTED', 'hostPower: a powered-off Windows host cannot be reached over WinRM; power it on through its BMC', 'hostPower');
    }
    if (action === 'status') {
      try {
        await this.run('hostPower', HypervScripts.hostStatus(), o);
        return 'on';
      } catch (error) {
        // off and unreachable look the same from here
        if (isAdapterError(error, 'UNREACHABLE')) return 'unknown';
        throw error;
      }
    }
    try {
      await this.run('hostPower', action === 'off' ? HypervScripts.hostOff() : HypervScripts.hostReboot(), o);
    } catch (error) {
      // The host may go down before WinRM answers: the shutdown was accepted.
      if (!isAdapterError(error, 'UNREACHABLE')) throw error;
    }
    return action === 'off' ? 'off' : 'on';
  }

  async close(): Promise<void> {
    await this.client?.close();
  }

  /** Runs an operation's script; stdout on success, the mapped AdapterError otherwise. */
  private async run(operation: string, body: string, o: CallOptions): Promise<string> {
    if (!this.client) {
      const kind = this.configError?.kind ?? 'FAILED';
      throw new AdapterError(kind, (this.configError?.message ?? 'connect: not configured').replace(/^connect/, operation), operation);
    }
    checkDeadline(o.signal, operation);
    let result: CommandResult;
    try {
      result = await this.client.run(powershellCommand(body), { signal: o.signal, operation });
    } catch (error) {
      if (error instanceof AdapterError) {
        throw new AdapterError(error.kind, redact(error.message, this.secrets), operation, { cause: error });
      }
      throw new AdapterError('FAILED', `${operation}: ${redact((error as Error).message, this.secrets)}`, operation, { cause: error });
    }
    if (result.exitCode !== 0) {
      const mapped = powershellError(operation, result.stderr, result.exitCode);
      throw new AdapterError(mapped.kind, redact(mapped.message, this.secrets), operation);
    }
    return result.stdout;
  }

  private parsed<T>(operation: string, parse: (stdout: string) => T, stdout: string): T {
    try {
      return parse(stdout);
    } catch (error) {
      throw new AdapterError('FAILED', `${operation}: unexpected output from ${this.endpoint.host ?? 'the host'}: ${(error as Error).message}`, operation, { cause: error });
    }
  }
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
