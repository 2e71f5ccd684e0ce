import type { Hypervisor } from '@haaas/domain';

/** Power state of a VM as every platform can report it. */
export type PowerState = 'RUNNING' | 'STOPPED' | 'PAUSED' | 'SUSPENDED' | 'CRASHED' | 'UNKNOWN';

/** How the hypervisor manager sees the host. */
export type HostConnectionState = 'CONNECTED' | 'DISCONNECTED' | 'NOT_RESPONDING' | 'MAINTENANCE' | 'UNKNOWN';

export interface VmInfo {
  /** The reference HAaaS stores (a resource's `hypervisorRef`): libvirt domain name, vSphere VM name or moref, Hyper-V VM name. */
  readonly ref: string;
  readonly name: string;
  readonly uuid?: string;
  readonly powerState: PowerState;
  /** The host it is on, where the manager spans several (vSphere, Hyper-V clusters). */
  readonly host?: string;
}

export interface HostProbe {
  /** The manager answered. */
  readonly reachable: boolean;
  readonly connectionState: HostConnectionState;
  readonly maintenance: boolean;
  /** Round trip of the probe in milliseconds. */
  readonly latencyMs: number;
  /** Platform-specific facts worth showing (version, host name). */
  readonly details: Readonly<Record<string, string>>;
}

/**
 * What recovery needs to make a VM known on another host with shared storage: libvirt's domain
 * XML, the vSphere VM's .vmx datastore path, the Hyper-V VM's configuration path.
 */
export interface VmDefinition {
  readonly ref: string;
  readonly format: 'libvirt-xml' | 'vsphere-vmx' | 'hyperv-vmcx';
  readonly data: string;
}

/** Every call takes a deadline: the failover engine must never wait on a dead host for ever. */
export interface CallOptions {
  readonly signal: AbortSignal;
}

export interface StopOptions extends CallOptions {
  /** Ask the guest to shut down and wait this long before forcing power off; 0 forces at once. */
  readonly gracefulTimeoutMs: number;
}

export type HostPowerAction = 'on' | 'off' | 'reboot' | 'status';

export interface Capabilities {
  /** `migrateVm` is supported (live migration or relocation by the manager). */
  readonly migrate: boolean;
  /** `hostPower` is supported (the manager can power the host itself). */
  readonly hostPower: boolean;
  /** `registerVm` is supported (define a VM from its definition on this host). */
  readonly register: boolean;
}

/**
 * One node's hypervisor, as the failover engine drives it. Calls are idempotent where the
 * platform allows: starting a running VM or stopping a stopped one succeeds. Failures are
 * AdapterError with a kind.
 */
export interface HypervisorHost {
  readonly capabilities: Capabilities;
  probe(o: CallOptions): Promise<HostProbe>;
  listVms(o: CallOptions): Promise<VmInfo[]>;
  getVm(ref: string, o: CallOptions): Promise<VmInfo>;
  startVm(ref: string, o: CallOptions): Promise<void>;
  stopVm(ref: string, o: StopOptions): Promise<void>;
  rebootVm(ref: string, o: CallOptions): Promise<void>;
  /** Reads what `registerVm` on another host needs; keep it while the host is alive. */
  exportVm(ref: string, o: CallOptions): Promise<VmDefinition>;
  /** Makes a VM known on this host (shared storage): define/register it; idempotent. */
  registerVm(definition: VmDefinition, o: CallOptions): Promise<VmInfo>;
  /** Moves a running VM to another host of the same manager (live migration or relocation). */
  migrateVm(ref: string, targetHost: string, o: CallOptions): Promise<void>;
  /** Powers the host itself through its manager (vSphere host shutdown/reboot, IPMI-less). */
  hostPower(action: HostPowerAction, o: CallOptions): Promise<'on' | 'off' | 'unknown'>;
  /** Releases connections and sessions. */
  close(): Promise<void>;
}

export interface HypervisorEndpoint {
  /** qemu+ssh://host/system, test+unix:///default?socket=..., https://vcenter/sdk, https://host:5986/wsman, ... */
  readonly uri: string;
  readonly username?: string | null;
  readonly password?: string | null;
  /** The host this node is, where the endpoint is a manager of many (vSphere host name, Hyper-V node). */
  readonly host?: string | null;
  /** Accept a self-signed certificate (tests, labs); never the default. */
  readonly insecureTls?: boolean;
}

export interface HypervisorAdapter {
  readonly hypervisor: Hypervisor;
  connect(endpoint: HypervisorEndpoint): HypervisorHost;
}
