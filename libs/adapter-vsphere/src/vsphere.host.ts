import {
  AdapterError,
  type CallOptions,
  type Capabilities,
  checkDeadline,
  type HostPowerAction,
  type HostProbe,
  type HypervisorHost,
  type StopOptions,
  type VmDefinition,
  type VmInfo,
} from '@haaas/hypervisor';
import { bool, ref, retrieveAll, retrieveOne, str } from './property.collector';
import { type SoapClient } from './soap.client';
import { group, moRefEquals, param, readMoRef, refParam, type SoapParam } from './soap.xml';
import { toAdapterError, TransportError, VimFault } from './vim.fault';
import { connectionState, hostPowerStatus, sameName, VM_PATHS, vmInfo, VsphereInventory } from './vsphere.inventory';
import { alreadyIn, runTask, shutdownGuest, unregisterStale } from './vsphere.tasks';

// The state tables stay exported here too: callers read them with the host (vsphere.inventory.ts has them).
export { connectionState, vmPowerState } from './vsphere.inventory';

/**
 * One ESXi host (the endpoint's `host`) as seen through a vCenter (or the ESXi host itself) over
 * the vim25 SOAP API. VMs are named by their vSphere name (`VmInfo.ref`); a moref is accepted too.
 * The lookups and their caches are VsphereInventory's; tasks and power steps are vsphere.tasks.ts'.
 */
export class VsphereHost implements HypervisorHost {
  readonly capabilities: Capabilities = { migrate: true, hostPower: true, register: true };
  private readonly inventory: VsphereInventory;

  constructor(
    private readonly client: SoapClient,
    /** The host's inventory name; optional when the manager has a single host (an ESXi endpoint). */
    hostName: string | undefined,
    private readonly secrets: readonly string[],
  ) {
    this.inventory = new VsphereInventory(client, hostName);
  }

  probe(o: CallOptions): Promise<HostProbe> {
    const started = performance.now();
    return this.op('probe', o.signal, async (signal) => {
      try {
        const content = await this.client.serviceContent(signal);
        const host = await this.inventory.thisHost(signal);
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
      const host = await this.inventory.thisHost(signal);
      const vms = await retrieveAll(this.client, 'VirtualMachine', VM_PATHS, signal);
      // runtime.host, not HostSystem.vm: the latter lags behind relocations in vcsim
      return vms.filter((vm) => moRefEquals(ref(vm, 'runtime.host'), host.ref) && !bool(vm, 'config.template')).map((vm) => vmInfo(vm, host.name));
    });
  }

  getVm(vmRef: string, o: CallOptions): Promise<VmInfo> {
    return this.op('getVm', o.signal, async (signal) => {
      const vm = await this.inventory.findVm(vmRef, signal);
      return vmInfo(vm, await this.inventory.hostNameOf(ref(vm, 'runtime.host'), signal));
    });
  }

  /** PowerOnVM_Task; a VM already powered on (InvalidPowerState) is success. */
  startVm(vmRef: string, o: CallOptions): Promise<void> {
    return this.op('startVm', o.signal, async (signal) => {
      const vm = await this.inventory.findVmHere(vmRef, 'startVm', signal);
      try {
        await runTask(this.client, 'PowerOnVM_Task', vm.obj, [], signal);
      } catch (error) {
        if (!(await alreadyIn(this.client, error, vm.obj, 'poweredOn', signal))) throw error;
      }
    });
  }

  /**
   * Graceful: ShutdownGuest, wait up to gracefulTimeoutMs for poweredOff, then PowerOffVM_Task.
   * Without VMware Tools (ToolsUnavailable) the power-off comes at once. Stopped is success.
   */
  stopVm(vmRef: string, o: StopOptions): Promise<void> {
    return this.op('stopVm', o.signal, async (signal) => {
      const vm = await this.inventory.findVmHere(vmRef, 'stopVm', signal);
      const state = str(vm, 'runtime.powerState');
      if (state === 'poweredOff') return;
      if (o.gracefulTimeoutMs > 0 && state === 'poweredOn' && (await shutdownGuest(this.client, vm.obj, o.gracefulTimeoutMs, signal))) return;
      try {
        await runTask(this.client, 'PowerOffVM_Task', vm.obj, [], signal);
      } catch (error) {
        if (!(await alreadyIn(this.client, error, vm.obj, 'poweredOff', signal))) throw error;
      }
    });
  }

  /** ResetVM_Task (a hard reset, as a failover engine wants); a powered-off VM is INVALID_STATE. */
  rebootVm(vmRef: string, o: CallOptions): Promise<void> {
    return this.op('rebootVm', o.signal, async (signal) => {
      const vm = await this.inventory.findVmHere(vmRef, 'rebootVm', signal);
      await runTask(this.client, 'ResetVM_Task', vm.obj, [], signal);
    });
  }

  /** The VM's .vmx datastore path (`[ds] dir/name.vmx`): what registerVm on another host needs. */
  exportVm(vmRef: string, o: CallOptions): Promise<VmDefinition> {
    return this.op('exportVm', o.signal, async (signal) => {
      const vm = await this.inventory.findVm(vmRef, signal);
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
      const host = await this.inventory.thisHost(signal);
      const vmx = definition.data.trim();
      const all = await retrieveAll(this.client, 'VirtualMachine', VM_PATHS, signal);
      const same = all.filter((vm) => str(vm, 'config.files.vmPathName') === vmx);
      const here = same.find((vm) => moRefEquals(ref(vm, 'runtime.host'), host.ref));
      if (here) return vmInfo(here, host.name);
      for (const stale of same) await unregisterStale(this.client, stale, signal);

      const placement = await this.inventory.placement(host, signal);
      const params: SoapParam[] = [param('path', vmx), param('name', definition.ref), param('asTemplate', false), refParam('pool', placement.pool), refParam('host', host.ref)];
      const result = await runTask(this.client, 'RegisterVM_Task', placement.folder, params, signal);
      const created = readMoRef(result);
      if (!created) throw new AdapterError('FAILED', 'registerVm: RegisterVM_Task returned no VM', 'registerVm');
      const vm = await retrieveOne(this.client, created, VM_PATHS, signal);
      this.inventory.remember(definition.ref, created);
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
      const vm = await this.inventory.findVm(vmRef, signal);
      const hosts = await this.inventory.hosts(signal);
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
      if (!source || !moRefEquals(source.parent, target.parent)) spec.push(refParam('pool', (await this.inventory.placement(target, signal)).pool));
      spec.push(refParam('host', target.ref));
      await runTask(this.client, 'RelocateVM_Task', vm.obj, [group('spec', spec), param('priority', 'defaultPriority')], signal);
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
      const host = await this.inventory.thisHost(signal);
      switch (action) {
        case 'status':
          return hostPowerStatus(host);
        case 'off':
          await runTask(this.client, 'ShutdownHost_Task', host.ref, [param('force', true)], signal);
          return 'off';
        case 'reboot':
          await runTask(this.client, 'RebootHost_Task', host.ref, [param('force', true)], signal);
          return 'on';
        case 'on':
          if (hostPowerStatus(host) === 'on') return 'on';
          if (host.powerState !== 'standBy') {
            throw new AdapterError('UNSUPPORTED', `hostPower: vSphere cannot power on ${host.name} from ${host.powerState ?? 'an unknown state'} (use its BMC)`, 'hostPower');
          }
          // the server's own limit; ours is the deadline
          await runTask(this.client, 'PowerUpHostFromStandBy_Task', host.ref, [param('timeoutSec', 600)], signal);
          return 'on';
      }
    });
  }

  /** EnterMaintenanceMode_Task (timeout 0: wait as long as the deadline allows). Not part of HypervisorHost. */
  enterMaintenanceMode(o: CallOptions): Promise<void> {
    return this.op('enterMaintenanceMode', o.signal, async (signal) => {
      const host = await this.inventory.thisHost(signal);
      if (host.inMaintenanceMode) return;
      await runTask(this.client, 'EnterMaintenanceMode_Task', host.ref, [param('timeout', 0)], signal);
    });
  }

  exitMaintenanceMode(o: CallOptions): Promise<void> {
    return this.op('exitMaintenanceMode', o.signal, async (signal) => {
      const host = await this.inventory.thisHost(signal);
      if (!host.inMaintenanceMode) return;
      await runTask(this.client, 'ExitMaintenanceMode_Task', host.ref, [param('timeout', 0)], signal);
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

}
