import { Hypervisor } from '@haaas/domain';
import { AdapterError } from '@haaas/hypervisor';
import type { Capabilities, HostProbe, HypervisorAdapter, HypervisorEndpoint, HypervisorHost, PowerState, VmDefinition, VmInfo } from '@haaas/hypervisor';

/**
 * A hypervisor kept in memory that answers every call at once, for benchmarks only: with it, the
 * time a failover takes is the control plane's own overhead (detector, MySQL, Redis, queues,
 * fencing and recovery logic), with no hypervisor latency in it. Never a stand-in in tests.
 * Hosts are keyed by endpoint URI (`memUri(name)`); a host that is down answers UNREACHABLE.
 * Stopping a VM named like a host (built-in fencing of a node VM) takes that host down.
 */
interface MemVm {
  state: PowerState;
  definition: VmDefinition;
}

interface MemHost {
  up: boolean;
  readonly vms: Map<string, MemVm>;
}

const CAPABILITIES: Capabilities = { migrate: false, hostPower: false, register: true };

/** The endpoint URI of the in-memory host `name` (a libvirt URI, as a KVM cluster's nodes need; never dialled). */
export function memUri(name: string): string {
  return `qemu+tcp://${name}.in-memory.invalid/system`;
}

/** A libvirt definition placement can size (1 vCPU, 64 MiB). */
export function memDefinition(ref: string): VmDefinition {
  return { ref, format: 'libvirt-xml', data: `<domain type='test'><name>${ref}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu></domain>` };
}

export class InMemoryHypervisor implements HypervisorAdapter {
  readonly hypervisor = Hypervisor.KVM;
  readonly hosts = new Map<string, MemHost>();

  host(uri: string): MemHost {
    let h = this.hosts.get(uri);
    if (!h) {
      h = { up: true, vms: new Map() };
      this.hosts.set(uri, h);
    }
    return h;
  }

  /** Defines a VM on a host (set-up). */
  define(uri: string, ref: string, state: PowerState = 'STOPPED'): void {
    this.host(uri).vms.set(ref, { state, definition: memDefinition(ref) });
  }

  connect(endpoint: HypervisorEndpoint): HypervisorHost {
    const uri = endpoint.uri;
    const live = (op: string): MemHost => {
      const h = this.host(uri);
      if (!h.up) throw new AdapterError('UNREACHABLE', `${uri} is down`, op);
      return h;
    };
    const vm = (op: string, ref: string): MemVm => {
      const v = live(op).vms.get(ref);
      if (!v) throw new AdapterError('NOT_FOUND', `no VM ${ref} on ${uri}`, op);
      return v;
    };
    const info = (ref: string, v: MemVm): VmInfo => ({ ref, name: ref, powerState: v.state });
    const setPower = (ref: string, state: PowerState): void => {
      // fencing a node VM through its managing hypervisor powers that node off
      const node = this.hosts.get(memUri(ref));
      if (node) node.up = state === 'RUNNING';
    };
    return {
      capabilities: CAPABILITIES,
      probe: async (): Promise<HostProbe> => {
        live('probe');
        return { reachable: true, connectionState: 'CONNECTED', maintenance: false, latencyMs: 0, details: { driver: 'in-memory' } };
      },
      listVms: async () => [...live('listVms').vms.entries()].map(([ref, v]) => info(ref, v)),
      getVm: async (ref) => info(ref, vm('getVm', ref)),
      startVm: async (ref) => {
        const v = vm('startVm', ref);
        v.state = 'RUNNING';
        setPower(ref, 'RUNNING');
      },
      stopVm: async (ref) => {
        vm('stopVm', ref).state = 'STOPPED';
        setPower(ref, 'STOPPED');
      },
      rebootVm: async (ref) => {
        vm('rebootVm', ref).state = 'RUNNING';
      },
      exportVm: async (ref) => vm('exportVm', ref).definition,
      registerVm: async (definition) => {
        const h = live('registerVm');
        const existing = h.vms.get(definition.ref);
        const v = existing ?? { state: 'STOPPED' as PowerState, definition };
        h.vms.set(definition.ref, v);
        return info(definition.ref, v);
      },
      migrateVm: async () => {
        throw new AdapterError('UNSUPPORTED', 'in-memory hypervisor: no migration', 'migrateVm');
      },
      hostPower: async () => {
        throw new AdapterError('UNSUPPORTED', 'in-memory hypervisor: no host power', 'hostPower');
      },
      close: async () => undefined,
    };
  }
}
