import type { Element } from '@xmldom/xmldom';
import {
  AdapterError,
  type CallOptions,
  type Capabilities,
  checkDeadline,
  deadline,
  type HostConnectionState,
  type HostPowerAction,
  type HostProbe,
  type HypervisorHost,
  isAdapterError,
  type PowerState,
  sleep,
  type StopOptions,
  type VmDefinition,
  type VmInfo,
} from '@haaas/hypervisor';
import { bool, type ObjectContent, ref, retrieveAll, retrieveOne, str } from './property.collector';
import { type SoapClient } from './soap.client';
import { child, group, type MoRef, moRefEquals, param, readLocalizedFault, readMoRef, refParam, type SoapParam } from './soap.xml';
import { toAdapterError, TransportError, VimFault } from './vim.fault';

const VM_PATHS = ['name', 'config.uuid', 'config.template', 'config.files.vmPathName', 'runtime.powerState', 'runtime.host', 'runtime.connectionState'];
const HOST_PATHS = ['name', 'parent', 'runtime.connectionState', 'runtime.inMaintenanceMode', 'runtime.powerState', 'summary.config.product.fullName'];
const TASK_PATHS = ['info.state', 'info.error', 'info.result'];
// A moref as vCenter spells one (`vm-42`); ESXi uses plain numbers. Accepted as a ref when no VM has that name.
const VM_MOREF = /^(vm-)?\d+$/;
// Faults after which a graceful stop gives up on the guest and powers off at once.
const NO_GUEST_SHUTDOWN = new Set(['ToolsUnavailable', 'InvalidState', 'NotSupported', 'NotImplemented', 'MethodNotFound']);

interface HostFacts {
  readonly ref: MoRef;
  readonly name: string;
  readonly parent?: MoRef;
  readonly connectionState?: string;
  readonly inMaintenanceMode: boolean;
  readonly powerState?: string;
  readonly product?: string;
}

/** Where a VM registered on a host goes: the datacenter's VM folder and the host's root resource pool. */
interface Placement {
  readonly folder: MoRef;
  readonly pool: MoRef;
}

/**
 * One ESXi host (the endpoint's `host`) as seen through a vCenter (or the ESXi host itself) over
 * the vim25 SOAP API. VMs are named by their vSphere name (`VmInfo.ref`); a moref is accepted too.
 */
export class VsphereHost implements HypervisorHost {
  readonly capabilities: Capabilities = { migrate: true, hostPower: true, register: true };
  private hostRef?: MoRef;
  private readonly vmRefs = new Map<string, MoRef>();
  private readonly hostNames = new Map<string, string>();
  private readonly placements = new Map<string, Promise<Placement>>();

  constructor(
    private readonly client: SoapClient,
    /** The host's inventory name; optional when the manager has a single host (an ESXi endpoint). */
    private readonly hostName: string | undefined,
    private readonly secrets: readonly string[],
  ) {}

  probe(o: CallOptions): Promise<HostProbe> {
    const started = performance.now();
    return this.op('probe', o.signal, async (signal) => {
      try {
        const content = await this.client.serviceContent(signal);
        const host = await this.thisHost(signal);
        const connected = host.connectionState === 'connected';
        const details: Record<string, string> = {
          manager: content.about.fullName,
          apiVersion: content.about.apiVersion,
          host: host.name,
          hostRef: host.ref.value,
          hostPowerState: host.powerState ?? 'unknown',
        };
        if (host.product) details['product'] = host.product;
        return {
          reachable: true,
          connectionState: connected && host.inMaintenanceMode ? 'MAINTENANCE' : connectionState(host.connectionState),
          maintenance: host.inMaintenanceMode,
          latencyMs: Math.round(performance.now() - started),
          details,
        };
      } catch (error) {
        // the manager did not answer: a fact to report, not a failure of the probe
        if (!signal.aborted && error instanceof TransportError && error.kind === 'UNREACHABLE') {
          return { reachable: false, connectionState: 'UNKNOWN', maintenance: false, latencyMs: Math.round(performance.now() - started), details: { error: error.message } };
        }
        throw error;
      }
    });
  }

  listVms(o: CallOptions): Promise<VmInfo[]> {
    return this.op('listVms', o.signal, async (signal) => {
      const host = await this.thisHost(signal);
      const vms = await retrieveAll(this.client, 'VirtualMachine', VM_PATHS, signal);
      // runtime.host, not HostSystem.vm: the latter lags behind relocations in vcsim
      return vms.filter((vm) => moRefEquals(ref(vm, 'runtime.host'), host.ref) && !bool(vm, 'config.template')).map((vm) => vmInfo(vm, host.name));
    });
  }

  getVm(vmRef: string, o: CallOptions): Promise<VmInfo> {
    return this.op('getVm', o.signal, async (signal) => {
      const vm = await this.findVm(vmRef, signal);
      return vmInfo(vm, await this.hostNameOf(ref(vm, 'runtime.host'), signal));
    });
  }

  /** PowerOnVM_Task; a VM already powered on (InvalidPowerState) is success. */
  startVm(vmRef: string, o: CallOptions): Promise<void> {
    return this.op('startVm', o.signal, async (signal) => {
      const vm = await this.findVmHere(vmRef, 'startVm', signal);
      try {
        await this.runTask('PowerOnVM_Task', vm.obj, [], signal);
      } catch (error) {
        if (!(await this.alreadyIn(error, vm.obj, 'poweredOn', signal))) throw error;
      }
    });
  }

  /**
   * Graceful: ShutdownGuest, wait up to gracefulTimeoutMs for poweredOff, then PowerOffVM_Task.
   * Without VMware Tools (ToolsUnavailable) the power-off comes at once. Stopped is success.
   */
  stopVm(vmRef: string, o: StopOptions): Promise<void> {
    return this.op('stopVm', o.signal, async (signal) => {
      const vm = await this.findVmHere(vmRef, 'stopVm', signal);
      const state = str(vm, 'runtime.powerState');
      if (state === 'poweredOff') return;
      if (o.gracefulTimeoutMs > 0 && state === 'poweredOn' && (await this.shutdownGuest(vm.obj, o.gracefulTimeoutMs, signal))) return;
      try {
        await this.runTask('PowerOffVM_Task', vm.obj, [], signal);
      } catch (error) {
        if (!(await this.alreadyIn(error, vm.obj, 'poweredOff', signal))) throw error;
      }
    });
  }

  /** ResetVM_Task (a hard reset, as a failover engine wants); a powered-off VM is INVALID_STATE. */
  rebootVm(vmRef: string, o: CallOptions): Promise<void> {
    return this.op('rebootVm', o.signal, async (signal) => {
      const vm = await this.findVmHere(vmRef, 'rebootVm', signal);
      await this.runTask('ResetVM_Task', vm.obj, [], signal);
    });
  }

  /** The VM's .vmx datastore path (`[ds] dir/name.vmx`): what registerVm on another host needs. */
  exportVm(vmRef: string, o: CallOptions): Promise<VmDefinition> {
    return this.op('exportVm', o.signal, async (signal) => {
      const vm = await this.findVm(vmRef, signal);
      const vmx = str(vm, 'config.files.vmPathName');
      if (!vmx) throw new AdapterError('INVALID_STATE', `exportVm: ${vmRef} has no readable configuration (inaccessible or orphaned)`, 'exportVm');
      return { ref: str(vm, 'name') ?? vmRef, format: 'vsphere-vmx', data: vmx };
    });
  }

  /**
   * Registers the .vmx on this host (Folder.RegisterVM_Task in the datacenter's VM folder, the
   * host's root resource pool). Idempotent: already registered here is success. A registration of
   * the same file elsewhere is removed first when that VM is powered off or its host is not
   * connected (the failover case); a VM running on a connected host is INVALID_STATE.
   */
  registerVm(definition: VmDefinition, o: CallOptions): Promise<VmInfo> {
    return this.op('registerVm', o.signal, async (signal) => {
      if (definition.format !== 'vsphere-vmx') {
        throw new AdapterError('UNSUPPORTED', `registerVm: vSphere registers vsphere-vmx definitions, not ${definition.format}`, 'registerVm');
      }
      const host = await this.thisHost(signal);
      const vmx = definition.data.trim();
      const all = await retrieveAll(this.client, 'VirtualMachine', VM_PATHS, signal);
      const same = all.filter((vm) => str(vm, 'config.files.vmPathName') === vmx);
      const here = same.find((vm) => moRefEquals(ref(vm, 'runtime.host'), host.ref));
      if (here) return vmInfo(here, host.name);
      for (const stale of same) await this.unregisterStale(stale, signal);

      const placement = await this.placement(host, signal);
      const params: SoapParam[] = [param('path', vmx), param('name', definition.ref), param('asTemplate', false), refParam('pool', placement.pool), refParam('host', host.ref)];
      const result = await this.runTask('RegisterVM_Task', placement.folder, params, signal);
      const created = readMoRef(result);
      if (!created) throw new AdapterError('FAILED', 'registerVm: RegisterVM_Task returned no VM', 'registerVm');
      const vm = await retrieveOne(this.client, created, VM_PATHS, signal);
      this.vmRefs.set(definition.ref, created);
      return vmInfo(vm, host.name);
    });
  }

  /**
   * RelocateVM_Task to `targetHost` (a vMotion on shared storage; MigrateVM_Task is deprecated and
   * absent from vcsim). Already there is success. The target must be connected and not in
   * maintenance: vcsim would relocate onto a dead host, vCenter would fail late.
   */
  migrateVm(vmRef: string, targetHost: string, o: CallOptions): Promise<void> {
    return this.op('migrateVm', o.signal, async (signal) => {
      const vm = await this.findVm(vmRef, signal);
      const hosts = await this.hosts(signal);
      const target = hosts.find((h) => sameName(h.name, targetHost));
      if (!target) throw new AdapterError('NOT_FOUND', `migrateVm: host ${targetHost} not found`, 'migrateVm');
      const current = ref(vm, 'runtime.host');
      if (moRefEquals(current, target.ref)) return;
      if (target.connectionState !== 'connected' || target.inMaintenanceMode) {
        const why = target.inMaintenanceMode ? 'in maintenance mode' : (target.connectionState ?? 'unknown');
        throw new AdapterError('INVALID_STATE', `migrateVm: target host ${target.name} is ${why}`, 'migrateVm');
      }
      const source = hosts.find((h) => moRefEquals(h.ref, current));
      const spec: SoapParam[] = [];
      // a pool only when leaving the compute resource: inside a cluster the VM keeps its pool
      if (!source || !moRefEquals(source.parent, target.parent)) spec.push(refParam('pool', (await this.placement(target, signal)).pool));
      spec.push(refParam('host', target.ref));
      await this.runTask('RelocateVM_Task', vm.obj, [group('spec', spec), param('priority', 'defaultPriority')], signal);
      const after = await retrieveOne(this.client, vm.obj, ['runtime.host'], signal);
      if (!moRefEquals(ref(after, 'runtime.host'), target.ref)) {
        throw new AdapterError('FAILED', `migrateVm: relocation finished but ${vmRef} is not on ${target.name}`, 'migrateVm');
      }
    });
  }

  /**
   * The host's power through its manager: ShutdownHost_Task / RebootHost_Task (forced: fencing must
   * not wait for maintenance mode), PowerUpHostFromStandBy_Task from standby. A manager that does
   * not offer the call (vcsim, a host without the feature) is UNSUPPORTED.
   */
  hostPower(action: HostPowerAction, o: CallOptions): Promise<'on' | 'off' | 'unknown'> {
    return this.op('hostPower', o.signal, async (signal) => {
      const host = await this.thisHost(signal);
      switch (action) {
        case 'status':
          return hostPowerStatus(host);
        case 'off':
          await this.runTask('ShutdownHost_Task', host.ref, [param('force', true)], signal);
          return 'off';
        case 'reboot':
          await this.runTask('RebootHost_Task', host.ref, [param('force', true)], signal);
          return 'on';
        case 'on':
          if (hostPowerStatus(host) === 'on') return 'on';
          if (host.powerState !== 'standBy') {
            throw new AdapterError('UNSUPPORTED', `hostPower: vSphere cannot power on ${host.name} from ${host.powerState ?? 'an unknown state'} (use its BMC)`, 'hostPower');
          }
          // the server's own limit; ours is the deadline
          await this.runTask('PowerUpHostFromStandBy_Task', host.ref, [param('timeoutSec', 600)], signal);
          return 'on';
      }
    });
  }

  /** EnterMaintenanceMode_Task (timeout 0: wait as long as the deadline allows). Not part of HypervisorHost. */
  enterMaintenanceMode(o: CallOptions): Promise<void> {
    return this.op('enterMaintenanceMode', o.signal, async (signal) => {
      const host = await this.thisHost(signal);
      if (host.inMaintenanceMode) return;
      await this.runTask('EnterMaintenanceMode_Task', host.ref, [param('timeout', 0)], signal);
    });
  }

  exitMaintenanceMode(o: CallOptions): Promise<void> {
    return this.op('exitMaintenanceMode', o.signal, async (signal) => {
      const host = await this.thisHost(signal);
      if (!host.inMaintenanceMode) return;
      await this.runTask('ExitMaintenanceMode_Task', host.ref, [param('timeout', 0)], signal);
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /**
   * Every call: the deadline checked first, one retry of the whole operation after the session
   * expired (the client has logged out the dead session; container views died with it), and any
   * error turned into an AdapterError without secrets.
   */
  private async op<T>(operation: string, signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    checkDeadline(signal, operation);
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.client.isClosed) throw new AdapterError('INVALID_STATE', `${operation}: the host handle is closed`, operation);
        return await fn(signal);
      } catch (error) {
        if (attempt === 0 && !signal.aborted && error instanceof VimFault && error.type === 'NotAuthenticated') continue;
        throw toAdapterError(error, operation, signal, this.secrets);
      }
    }
  }

  private async hosts(signal: AbortSignal): Promise<HostFacts[]> {
    return (await retrieveAll(this.client, 'HostSystem', HOST_PATHS, signal)).map(hostFacts);
  }

  /** This node's host: found by name once, then read by moref (a moref that vanished is looked up again). */
  private async thisHost(signal: AbortSignal): Promise<HostFacts> {
    if (this.hostRef) {
      try {
        return hostFacts(await retrieveOne(this.client, this.hostRef, HOST_PATHS, signal));
      } catch (error) {
        if (!(error instanceof VimFault && error.type === 'ManagedObjectNotFound')) throw error;
        this.hostRef = undefined;
      }
    }
    const hosts = await this.hosts(signal);
    const host = this.hostName ? hosts.find((h) => sameName(h.name, this.hostName ?? '')) : hosts.length === 1 ? hosts[0] : undefined;
    if (!host) {
      const why = this.hostName ? `host ${this.hostName} not found` : `the endpoint names no host and the manager has ${hosts.length}`;
      throw new AdapterError('NOT_FOUND', why, 'resolveHost');
    }
    this.hostRef = host.ref;
    return host;
  }

  /** A host's name by moref; cached, since a host keeps its name for as long as it keeps its moref. */
  private async hostNameOf(hostRef: MoRef | undefined, signal: AbortSignal): Promise<string | undefined> {
    if (!hostRef) return undefined;
    const known = this.hostNames.get(hostRef.value);
    if (known) return known;
    const name = str(await retrieveOne(this.client, hostRef, ['name'], signal), 'name');
    if (name) this.hostNames.set(hostRef.value, name);
    return name;
  }

  /**
   * A VM by name (or moref). Names are unique per folder, not per vCenter: with several, the one
   * on this node's host wins, else the ref is ambiguous. The moref of a name is cached and checked
   * on use (a re-registered VM gets a new moref).
   */
  private async findVm(vmRef: string, signal: AbortSignal): Promise<ObjectContent> {
    const cached = this.vmRefs.get(vmRef);
    if (cached) {
      try {
        const vm = await retrieveOne(this.client, cached, VM_PATHS, signal);
        if (str(vm, 'name') === vmRef) return vm;
      } catch (error) {
        if (!(error instanceof VimFault && error.type === 'ManagedObjectNotFound')) throw error;
      }
      this.vmRefs.delete(vmRef);
    }
    const all = await retrieveAll(this.client, 'VirtualMachine', VM_PATHS, signal);
    let named = all.filter((vm) => str(vm, 'name') === vmRef && !bool(vm, 'config.template'));
    if (named.length > 1) {
      const host = await this.thisHost(signal);
      named = named.filter((vm) => moRefEquals(ref(vm, 'runtime.host'), host.ref));
      if (named.length !== 1) throw new AdapterError('INVALID_STATE', `several VMs are named ${vmRef} and not exactly one is on this host`, 'findVm');
    }
    const vm = named[0] ?? (VM_MOREF.test(vmRef) ? all.find((v) => v.obj.value === vmRef) : undefined);
    if (!vm) throw new AdapterError('NOT_FOUND', `VM ${vmRef} not found`, 'findVm');
    if (named[0]) this.vmRefs.set(vmRef, vm.obj);
    return vm;
  }

  /**
   * A VM for a power operation: it must be registered on this node's host. vCenter finds a VM by
   * name wherever it is, and starting or stopping "this host's" VM on another host would act on a
   * copy this node does not own (a recovery's clean-up on its target would stop the failed host's
   * registration, or a healthy node's running VM): NOT_FOUND here, which a stop reads as done.
   */
  private async findVmHere(vmRef: string, operation: string, signal: AbortSignal): Promise<ObjectContent> {
    const vm = await this.findVm(vmRef, signal);
    const host = await this.thisHost(signal);
    const on = ref(vm, 'runtime.host');
    if (moRefEquals(on, host.ref)) return vm;
    const where = (await this.hostNameOf(on, signal)) ?? 'another host';
    throw new AdapterError('NOT_FOUND', `${operation}: VM ${vmRef} is not on ${host.name} (it is registered on ${where})`, operation);
  }

  /** Starts a task and waits for it: polls Task.info (state, error, result) with a growing pause, within the deadline. */
  private async runTask(method: string, self: MoRef, params: readonly SoapParam[], signal: AbortSignal): Promise<Element | undefined> {
    const reply = await this.client.invoke(method, self, params, signal);
    const task = readMoRef(child(reply, 'returnval'));
    if (!task) throw new VimFault({ type: 'InvalidResponse', message: `${method} returned no task` });
    // most vCenter tasks end within a second or two and vcsim's within milliseconds: look again
    // soon, then less and less often (at most every 500 ms, so completion is seen within that)
    for (let pause = 2; ; pause = Math.min(pause * 1.5, 500)) {
      const info = await retrieveOne(this.client, task, TASK_PATHS, signal);
      const state = str(info, 'info.state');
      if (state === 'success') return info.props.get('info.result');
      if (state === 'error') {
        const error = info.props.get('info.error');
        throw new VimFault(error ? readLocalizedFault(error) : { type: 'Fault', message: `${method} failed` });
      }
      await sleep(pause, signal, method);
    }
  }

  /** After InvalidPowerState: whether the VM is already where the call wanted it (idempotent success). */
  private async alreadyIn(error: unknown, vm: MoRef, wanted: string, signal: AbortSignal): Promise<boolean> {
    if (!(error instanceof VimFault && error.type === 'InvalidPowerState')) return false;
    const existing = error.field('existingState');
    if (existing) return existing === wanted;
    return str(await retrieveOne(this.client, vm, ['runtime.powerState'], signal), 'runtime.powerState') === wanted;
  }

  /**
   * ShutdownGuest, then waits for poweredOff within the grace period. False when the guest would
   * not (no tools) or did not stop in time: the caller powers off. The caller's own deadline and
   * an expired session still end the operation.
   */
  private async shutdownGuest(vm: MoRef, graceMs: number, signal: AbortSignal): Promise<boolean> {
    const grace = deadline(graceMs, signal);
    try {
      await this.client.invoke('ShutdownGuest', vm, [], grace);
      for (let pause = 20; ; pause = Math.min(pause * 2, 1_000)) {
        const state = str(await retrieveOne(this.client, vm, ['runtime.powerState'], grace), 'runtime.powerState');
        if (state === 'poweredOff') return true;
        await sleep(pause, grace, 'stopVm');
      }
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof VimFault && error.type === 'NotAuthenticated') throw error;
      if (grace.aborted || isAdapterError(error, 'TIMEOUT')) return false;
      if (error instanceof VimFault && error.type === 'InvalidPowerState') return false; // stopped meanwhile: the power-off path settles it
      if (error instanceof VimFault && NO_GUEST_SHUTDOWN.has(error.type)) return false;
      throw error;
    }
  }

  /**
   * Removes another host's registration of the same .vmx, when that cannot be a running VM: stopped,
   * or on a host vCenter has lost. The latter is the failover case, reached only once the host is
   * fenced (the engine starts no copy while a reachable node reports the VM active): vCenter still
   * shows the VM as it was last seen, powered on, and will not unregister a powered-on VM, so its
   * record is powered off first. A vCenter that refuses that too gets the advice below.
   */
  private async unregisterStale(vm: ObjectContent, signal: AbortSignal): Promise<void> {
    const hostRef = ref(vm, 'runtime.host');
    const host = hostRef ? hostFacts(await retrieveOne(this.client, hostRef, HOST_PATHS, signal)) : undefined;
    const name = str(vm, 'name') ?? vm.obj.value;
    const where = host?.name ?? 'another host';
    const lost = host?.connectionState !== 'connected';
    if (str(vm, 'runtime.powerState') === 'poweredOn') {
      if (!lost) throw new AdapterError('INVALID_STATE', `registerVm: ${name} is registered and running on ${where}: stop or fence it first`, 'registerVm');
      await this.runTask('PowerOffVM_Task', vm.obj, [], signal).catch((error: unknown) => {
        if (error instanceof VimFault && error.type === 'InvalidPowerState') return undefined;
        throw this.lostHostAdvice(name, where, host?.connectionState, error);
      });
    }
    try {
      await this.client.invoke('UnregisterVM', vm.obj, [], signal);
    } catch (error) {
      if (!(error instanceof VimFault) || !lost) throw error;
      throw this.lostHostAdvice(name, where, host?.connectionState, error);
    }
  }

  /** vCenter keeps a lost host's VMs as they were last seen and may refuse to let them go. */
  private lostHostAdvice(name: string, where: string, state: string | undefined, error: unknown): unknown {
    if (!(error instanceof VimFault)) return error;
    return new AdapterError(
      'INVALID_STATE',
      `registerVm: vSphere will not unregister ${name} from ${where} (${state ?? 'unknown'}): ${error.message}; remove the failed host from the inventory, or reconnect it`,
      'registerVm',
      { cause: error },
    );
  }

  /** The datacenter's VM folder (walking up from the host) and the host's root resource pool, cached per host. */
  private placement(host: HostFacts, signal: AbortSignal): Promise<Placement> {
    let p = this.placements.get(host.ref.value);
    if (!p) {
      p = (async (): Promise<Placement> => {
        if (!host.parent) throw new VimFault({ type: 'InvalidResponse', message: `host ${host.name} has no parent` });
        const pool = ref(await retrieveOne(this.client, host.parent, ['resourcePool'], signal), 'resourcePool');
        let at: MoRef | undefined = host.parent;
        for (let depth = 0; at && at.type !== 'Datacenter' && depth < 32; depth++) {
          at = ref(await retrieveOne(this.client, at, ['parent'], signal), 'parent');
        }
        const folder = at?.type === 'Datacenter' ? ref(await retrieveOne(this.client, at, ['vmFolder'], signal), 'vmFolder') : undefined;
        if (!pool || !folder) throw new VimFault({ type: 'InvalidResponse', message: `no resource pool or VM folder for host ${host.name}` });
        return { pool, folder };
      })();
      this.placements.set(host.ref.value, p);
      p.catch(() => this.placements.delete(host.ref.value));
    }
    return p;
  }
}

function hostFacts(o: ObjectContent): HostFacts {
  return {
    ref: o.obj,
    name: str(o, 'name') ?? o.obj.value,
    parent: ref(o, 'parent'),
    connectionState: str(o, 'runtime.connectionState'),
    inMaintenanceMode: bool(o, 'runtime.inMaintenanceMode') ?? false,
    powerState: str(o, 'runtime.powerState'),
    product: str(o, 'summary.config.product.fullName'),
  };
}

function vmInfo(vm: ObjectContent, hostName: string | undefined): VmInfo {
  const name = str(vm, 'name') ?? vm.obj.value;
  const uuid = str(vm, 'config.uuid');
  return { ref: name, name, ...(uuid ? { uuid } : {}), powerState: vmPowerState(str(vm, 'runtime.powerState'), str(vm, 'runtime.connectionState')), ...(hostName ? { host: hostName } : {}) };
}

/** A VM whose host the manager lost reports its last known power state: that is UNKNOWN, not RUNNING. */
export function vmPowerState(powerState: string | undefined, connectionState: string | undefined): PowerState {
  if (connectionState && connectionState !== 'connected') return 'UNKNOWN';
  switch (powerState) {
    case 'poweredOn':
      return 'RUNNING';
    case 'poweredOff':
      return 'STOPPED';
    case 'suspended':
      return 'SUSPENDED';
    default:
      return 'UNKNOWN';
  }
}

export function connectionState(state: string | undefined): HostConnectionState {
  switch (state) {
    case 'connected':
      return 'CONNECTED';
    case 'disconnected':
      return 'DISCONNECTED';
    case 'notResponding':
      return 'NOT_RESPONDING';
    default:
      return 'UNKNOWN';
  }
}

/** vCenter reports `unknown` for a host it lost; vcsim keeps the last state, so the connection decides. */
function hostPowerStatus(host: HostFacts): 'on' | 'off' | 'unknown' {
  if (host.connectionState !== 'connected') return 'unknown';
  if (host.powerState === 'poweredOn') return 'on';
  if (host.powerState === 'poweredOff' || host.powerState === 'standBy') return 'off';
  return 'unknown';
}

const sameName = (a: string, b: string): boolean => a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
