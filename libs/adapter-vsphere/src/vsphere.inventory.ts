import { AdapterError, type HostConnectionState, type PowerState, type VmInfo } from '@haaas/hypervisor';
import { bool, type ObjectContent, ref, retrieveAll, retrieveOne, str } from './property.collector';
import { type SoapClient } from './soap.client';
import { type MoRef, moRefEquals } from './soap.xml';
import { VimFault } from './vim.fault';

/** What VsphereHost reads of vCenter's inventory: hosts, VMs and where to register a VM, with their caches. */

export const VM_PATHS = ['name', 'config.uuid', 'config.template', 'config.files.vmPathName', 'runtime.powerState', 'runtime.host', 'runtime.connectionState'];
export const HOST_PATHS = ['name', 'parent', 'runtime.connectionState', 'runtime.inMaintenanceMode', 'runtime.powerState', 'summary.config.product.fullName'];
// A moref as vCenter spells one (`vm-42`); ESXi uses plain numbers. Accepted as a ref when no VM has that name.
const VM_MOREF = /^(vm-)?\d+$/;

export interface HostFacts {
  readonly ref: MoRef;
  readonly name: string;
  readonly parent?: MoRef;
  readonly connectionState?: string;
  readonly inMaintenanceMode: boolean;
  readonly powerState?: string;
  readonly product?: string;
}

/** Where a VM registered on a host goes: the datacenter's VM folder and the host's root resource pool. */
export interface Placement {
  readonly folder: MoRef;
  readonly pool: MoRef;
}

/**
 * Lookups for one node's host through a vCenter (or the ESXi host itself): the host found by name
 * once then read by moref, VMs by name (moref cached and checked on use), host names by moref, and
 * each host's placement for a registration.
 */
export class VsphereInventory {
  private hostRef?: MoRef;
  private readonly vmRefs = new Map<string, MoRef>();
  private readonly hostNames = new Map<string, string>();
  private readonly placements = new Map<string, Promise<Placement>>();

  constructor(
    private readonly client: SoapClient,
    /** The host's inventory name; optional when the manager has a single host (an ESXi endpoint). */
    private readonly hostName: string | undefined,
  ) {}

  /** A VM just registered under `name`: its moref, so the next lookup need not list every VM. */
  remember(name: string, vm: MoRef): void {
    this.vmRefs.set(name, vm);
  }

  async hosts(signal: AbortSignal): Promise<HostFacts[]> {
    return (await retrieveAll(this.client, 'HostSystem', HOST_PATHS, signal)).map(hostFacts);
  }

  /** This node's host: found by name once, then read by moref (a moref that vanished is looked up again). */
  async thisHost(signal: AbortSignal): Promise<HostFacts> {
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
  async hostNameOf(hostRef: MoRef | undefined, signal: AbortSignal): Promise<string | undefined> {
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
  async findVm(vmRef: string, signal: AbortSignal): Promise<ObjectContent> {
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
  async findVmHere(vmRef: string, operation: string, signal: AbortSignal): Promise<ObjectContent> {
    const vm = await this.findVm(vmRef, signal);
    const host = await this.thisHost(signal);
    const on = ref(vm, 'runtime.host');
    if (moRefEquals(on, host.ref)) return vm;
    const where = (await this.hostNameOf(on, signal)) ?? 'another host';
    throw new AdapterError('NOT_FOUND', `${operation}: VM ${vmRef} is not on ${host.name} (it is registered on ${where})`, operation);
  }

  /** The datacenter's VM folder (walking up from the host) and the host's root resource pool, cached per host. */
  placement(host: HostFacts, signal: AbortSignal): Promise<Placement> {
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

export function hostFacts(o: ObjectContent): HostFacts {
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

export function vmInfo(vm: ObjectContent, hostName: string | undefined): VmInfo {
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
export function hostPowerStatus(host: HostFacts): 'on' | 'off' | 'unknown' {
  if (host.connectionState !== 'connected') return 'unknown';
  if (host.powerState === 'poweredOn') return 'on';
  if (host.powerState === 'poweredOff' || host.powerState === 'standBy') return 'off';
  return 'unknown';
}

export const sameName = (a: string, b: string): boolean => a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
