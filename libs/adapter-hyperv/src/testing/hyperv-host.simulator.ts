import { type CommandHandler, type CommandOutput, type ExecutedCommand } from './winrm-test.server';

/**
 * A Hyper-V host behind the WS-Management test server: it recognises the adapter's PowerShell
 * scripts (decoded from -EncodedCommand), keeps the state of its VMs, and answers with output
 * written to match the Hyper-V and FailoverClusters cmdlets' documented objects, as the scripts'
 * ConvertTo-Json -Compress prints them, and with the error records those cmdlets raise (category,
 * FullyQualifiedErrorId, exception type, message), as the scripts' catch block reports them.
 *
 * These are recordings written from the cmdlet documentation and commonly reported outputs; no
 * live Hyper-V host has produced them (docs/adapters/hyperv.md says so).
 */

export type VmStateName = 'Running' | 'Off' | 'Saved' | 'Paused' | 'Starting' | 'Stopping' | 'OffCritical' | 'RunningCritical';

export interface SimulatedVm {
  name: string;
  id: string;
  state: VmStateName;
  computerName: string;
  /** Folder of the configuration, e.g. C:\ClusterStorage\Volume1\web01. */
  configurationLocation: string;
  /** The guest answers a shutdown request (integration services); default true. */
  guestShutdown?: boolean;
  isClustered?: boolean;
}

export interface HypervSimulatorOptions {
  readonly computerName?: string;
  readonly domain?: string;
  readonly vms?: readonly Omit<SimulatedVm, 'computerName' | 'configurationLocation'>[];
  /** A failover cluster this host is a node of, and the node's state (Up, Paused, Down). */
  readonly cluster?: { name: string; nodeState: 'Up' | 'Paused' | 'Down'; nodes: string[] };
  /** Other hosts a VM can be migrated to (cluster nodes are added). */
  readonly migrationTargets?: readonly string[];
  /** VM configurations on shared storage that Import-VM -Register can find. */
  readonly sharedStorage?: readonly Omit<SimulatedVm, 'computerName' | 'state'>[];
  /** Print State as the VMState number, as Windows PowerShell 5.1 does for raw objects. */
  readonly stateAsNumber?: boolean;
  /** The account is not in Hyper-V Administrators. */
  readonly accessDenied?: boolean;
  /** The Hyper-V PowerShell module is not installed. */
  readonly noHyperVModule?: boolean;
  /** Precede every answer with the CLIXML progress record of a first module load; default true. */
  readonly clixmlNoise?: boolean;
}

/** The facts of an ErrorRecord, as the adapter's script wrapper prints them. */
export interface RecordedError {
  readonly category: string;
  readonly reason: string;
  readonly id: string;
  readonly type: string;
  readonly message: string;
}

const VIRT = 'Microsoft.HyperV.PowerShell.VirtualizationException';

/** Error records of the Hyper-V cmdlets. */
export const RecordedErrors = {
  vmNotFoundByName: (name: string): RecordedError => ({
    category: 'InvalidArgument',
    reason: 'VirtualizationException',
    id: 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM',
    type: VIRT,
    message: `Hyper-V was unable to find a virtual machine with name "${name}".`,
  }),
  vmNotFoundById: (id: string): RecordedError => ({
    category: 'InvalidArgument',
    reason: 'VirtualizationException',
    id: 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM',
    type: VIRT,
    message: `Hyper-V was unable to find a virtual machine with id "${id}".`,
  }),
  /** Start-VM on a running VM, Restart-VM on a stopped one, ... */
  invalidState: (cmdlet: string, name: string): RecordedError => ({
    category: 'InvalidOperation',
    reason: 'VirtualizationException',
    id: `InvalidState,Microsoft.HyperV.PowerShell.Commands.${cmdlet}`,
    type: VIRT,
    message: `'${name}' failed to change state.\r\nThe operation cannot be performed while the object is in its current state.`,
  }),
  accessDenied: (computer: string): RecordedError => ({
    category: 'PermissionDenied',
    reason: 'VirtualizationException',
    id: 'Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM',
    type: VIRT,
    message: `You do not have the required permission to complete this task. Contact the administrator of the authorization policy for the computer '${computer}'.`,
  }),
  commandNotFound: (cmdlet: string): RecordedError => ({
    category: 'ObjectNotFound',
    reason: 'CommandNotFoundException',
    id: 'CommandNotFoundException',
    type: 'System.Management.Automation.CommandNotFoundException',
    message: `The term '${cmdlet}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
  }),
  migrationFailed: (vm: SimulatedVm, source: string, target: string): RecordedError => ({
    category: 'NotSpecified',
    reason: 'VirtualizationException',
    id: 'OperationFailed,Microsoft.HyperV.PowerShell.Commands.MoveVM',
    type: VIRT,
    message:
      `Virtual machine migration operation for '${vm.name}' failed at migration source '${source}'. (Virtual machine ID ${vm.id.toUpperCase()})\r\n` +
      `Failed to establish a connection with host '${target}': The network path was not found. (0x80070035).`,
  }),
  importFileNotFound: (path: string): RecordedError => ({
    category: 'ObjectNotFound',
    reason: 'VirtualizationException',
    id: 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.ImportVM',
    type: VIRT,
    message: `Unable to find a virtual machine configuration file at '${path}'. The system cannot find the file specified. (0x80070002)`,
  }),
} as const;

const STATE_NUMBERS: Record<VmStateName, number> = {
  Running: 2,
  Off: 3,
  Stopping: 4,
  Saved: 6,
  Paused: 9,
  Starting: 10,
  OffCritical: 32786,
  RunningCritical: 32785,
};

const CLIXML_PROGRESS =
  '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj S="progress" RefId="0"><TN RefId="0">' +
  '<T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV>' +
  '<AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj></Objs>\r\n';

class ScriptError extends Error {
  constructor(readonly record: RecordedError) {
    super(record.message);
  }
}

/** One call the simulated host received, for assertions: operation and the cmdlet path taken. */
export interface SimulatorCall {
  readonly operation: string;
  /** The VM, path or target the call named. */
  readonly subject?: string;
  /** Which cmdlet path the script took, where there are several. */
  detail?: string;
}

export class HypervHostSimulator {
  readonly computerName: string;
  readonly vms = new Map<string, SimulatedVm>();
  readonly calls: SimulatorCall[] = [];
  /** Names whose next Start-VM fails with InvalidState although our look saw them off (a race). */
  readonly startRaces = new Set<string>();
  powerState: 'on' | 'off' | 'rebooting' = 'on';
  /** `hostname` commands answered (the liveness watch). */
  hostnameCalls = 0;
  private readonly storage: Map<string, Omit<SimulatedVm, 'computerName' | 'state'>>;

  constructor(private readonly options: HypervSimulatorOptions = {}) {
    this.computerName = options.computerName ?? 'HV01';
    for (const vm of options.vms ?? []) {
      this.vms.set(vm.id.toLowerCase(), { ...vm, computerName: this.computerName, configurationLocation: `C:\\ClusterStorage\\Volume1\\${vm.name}` });
    }
    this.storage = new Map((options.sharedStorage ?? []).map((vm) => [vmcxPath(vm), vm]));
  }

  /** The handler to give the WS-Management test server. */
  readonly handler: CommandHandler = (command: ExecutedCommand): CommandOutput => {
    const noise = this.options.clixmlNoise === false ? '' : CLIXML_PROGRESS;
    // hostname.exe, the liveness watch's command (no PowerShell); counted, not in `calls`
    if (command.script === undefined && command.commandLine.trim().toLowerCase() === 'hostname') {
      this.hostnameCalls += 1;
      return { stdout: `${this.computerName}\r\n`, exitCode: 0 };
    }
    if (command.script === undefined) return { stderr: `'${command.commandLine.split(' ')[0]}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`, exitCode: 1 };
    if (!command.script.startsWith("$ErrorActionPreference='Stop'")) return { stderr: 'not a script of the adapter', exitCode: 1 };
    try {
      const stdout = this.execute(command.script);
      return { stdout: stdout === undefined ? '' : `${stdout}\r\n`, stderr: noise, exitCode: 0 };
    } catch (error) {
      if (!(error instanceof ScriptError)) throw error;
      return { stderr: `${noise}##haaas-error##${JSON.stringify(error.record)}\r\n`, exitCode: 1 };
    }
  };

  private execute(script: string): string | undefined {
    const vars = scriptVariables(script);
    const v = (name: string): string => vars[name] ?? '';
    const has = (text: string): boolean => script.includes(text);
    if (has('Stop-Computer')) return this.record('hostOff', undefined, () => void (this.powerState = 'off'));
    if (has('Restart-Computer')) return this.record('hostReboot', undefined, () => void (this.powerState = 'rebooting'));
    if (has('[Environment]::MachineName') && !has('Get-VMHost')) return JSON.stringify({ ComputerName: this.computerName });
    this.checkModule(has('Get-VMHost') ? 'Get-VMHost' : 'Get-VM');
    if (has('Get-VMHost')) return this.record('probe', undefined, () => this.probe());
    if (has('Import-VM')) return this.record('registerVm', vars['p'], () => this.register(v('p')));
    const vm = () => this.find(v('r'));
    if (has('Move-VM')) return this.record('migrateVm', vars['t'], () => this.migrate(vm(), v('t')));
    if (has('Restart-VM')) return this.record('rebootVm', vars['r'], () => this.reboot(vm()));
    if (has('Stop-VM')) return this.record('stopVm', vars['r'], () => this.stop(vm(), Number(vars['g'] ?? 0)));
    if (has('Start-VM')) return this.record('startVm', vars['r'], () => this.start(vm()));
    if (has('ConfigurationLocation')) return this.record('exportVm', vars['r'], () => this.export(vm()));
    if (has('Get-HaaasVm')) return this.record('getVm', vars['r'], () => JSON.stringify(this.json(vm())));
    if (has('Get-VM')) return this.record('listVms', undefined, () => JSON.stringify([...this.vms.values()].map((v) => this.json(v))));
    throw new Error(`the simulator does not know this script:\n${script}`);
  }

  private record(operation: string, subject: string | undefined, run: () => string | undefined): string | undefined {
    this.calls.push({ operation, subject });
    return run();
  }

  private detail(text: string): void {
    const last = this.calls[this.calls.length - 1];
    if (last) last.detail = text;
  }

  private checkModule(cmdlet: string): void {
    if (this.options.noHyperVModule) throw new ScriptError(RecordedErrors.commandNotFound(cmdlet));
    if (this.options.accessDenied) throw new ScriptError(RecordedErrors.accessDenied(this.computerName));
  }

  private find(ref: string): SimulatedVm {
    const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
    const found = [...this.vms.values()].filter((v) => (byId ? v.id.toLowerCase() === ref.toLowerCase() : v.name.toLowerCase() === ref.toLowerCase()));
    if (found.length === 0) throw new ScriptError(byId ? RecordedErrors.vmNotFoundById(ref) : RecordedErrors.vmNotFoundByName(ref));
    if (found.length > 1) {
      throw new ScriptError({ category: 'InvalidArgument', reason: 'WriteErrorException', id: 'HaaasAmbiguousVmName', type: 'Microsoft.PowerShell.Commands.WriteErrorException', message: `${found.length} virtual machines are named "${ref}": use the VM Id` });
    }
    const [only] = found;
    if (!only) throw new ScriptError(RecordedErrors.vmNotFoundByName(ref));
    return only;
  }

  private json(vm: SimulatedVm): Record<string, unknown> {
    return { Name: vm.name, Id: vm.id, State: this.options.stateAsNumber ? STATE_NUMBERS[vm.state] : vm.state, ComputerName: vm.computerName };
  }

  private probe(): string {
    const c = this.options.cluster;
    return JSON.stringify({
      ComputerName: this.computerName,
      Fqdn: `${this.computerName.toLowerCase()}.${this.options.domain ?? 'lab.local'}`,
      LogicalProcessorCount: 48,
      MemoryCapacity: 274877906944,
      OsVersion: '10.0.20348.0',
      Cluster: c ? c.name : null,
      NodeState: c ? c.nodeState : null,
    });
  }

  private start(vm: SimulatedVm): string {
    if (this.startRaces.delete(vm.name)) {
      vm.state = 'Running'; // someone else started it first
      throw new ScriptError(RecordedErrors.invalidState('StartVM', vm.name));
    }
    this.detail(vm.state === 'Running' ? 'already running' : vm.state === 'Paused' ? 'Resume-VM' : 'Start-VM');
    vm.state = 'Running';
    return JSON.stringify(this.json(vm));
  }

  private stop(vm: SimulatedVm, graceSeconds: number): undefined {
    if (vm.state === 'Off') {
      this.detail('already off');
      return undefined;
    }
    if (graceSeconds > 0 && vm.state === 'Running' && vm.guestShutdown !== false) {
      this.detail('Stop-VM -Force (guest shutdown)');
    } else {
      this.detail('Stop-VM -TurnOff');
    }
    vm.state = 'Off';
    return undefined;
  }

  private reboot(vm: SimulatedVm): undefined {
    if (vm.state !== 'Running') throw new ScriptError(RecordedErrors.invalidState('RestartVM', vm.name));
    return undefined;
  }

  private export(vm: SimulatedVm): string {
    return JSON.stringify({ Name: vm.name, Id: vm.id, Path: vmcxPath(vm), ConfigurationLocation: vm.configurationLocation });
  }

  private register(path: string): string {
    const id = /([0-9A-Fa-f-]{36})\.vmcx$/.exec(path)?.[1];
    const existing = id ? this.vms.get(id.toLowerCase()) : undefined;
    if (existing) return JSON.stringify(this.json(existing));
    const stored = this.storage.get(path);
    if (!stored) throw new ScriptError(RecordedErrors.importFileNotFound(path));
    const vm: SimulatedVm = { ...stored, state: 'Off', computerName: this.computerName };
    this.vms.set(vm.id.toLowerCase(), vm);
    return JSON.stringify(this.json(vm));
  }

  private migrate(vm: SimulatedVm, target: string): undefined {
    if (vm.computerName.toLowerCase() === target.toLowerCase()) return undefined;
    const targets = [...(this.options.migrationTargets ?? []), ...(this.options.cluster?.nodes ?? [])].map((t) => t.toLowerCase());
    if (!targets.includes(target.toLowerCase())) throw new ScriptError(RecordedErrors.migrationFailed(vm, this.computerName, target));
    if (vm.isClustered) vm.computerName = target.toUpperCase();
    else this.vms.delete(vm.id.toLowerCase());
    return undefined;
  }

  /** Adds a VM configuration to shared storage (as if another host had exported it). */
  addToSharedStorage(vm: Omit<SimulatedVm, 'computerName' | 'state'>): string {
    const path = vmcxPath(vm);
    this.storage.set(path, vm);
    return path;
  }
}

export function vmcxPath(vm: { id: string; configurationLocation: string }): string {
  return `${vm.configurationLocation}\\Virtual Machines\\${vm.id.toUpperCase()}.vmcx`;
}

/** The `$x='...'` and `$g=N` inputs at the top of an adapter script. */
export function scriptVariables(script: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of script.matchAll(/^\$([a-z])=(?:'((?:[^'\u2018\u2019\u201a\u201b]|['\u2018\u2019\u201a\u201b]{2})*)'|(\d+))$/gm)) {
    const [, name = '', quoted, number = ''] = m;
    vars[name] = quoted !== undefined ? quoted.replace(/(['\u2018\u2019\u201a\u201b])\1/g, '$1') : number;
  }
  return vars;
}
