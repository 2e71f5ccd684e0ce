import { Hypervisor } from '@haaas/domain';

/**
 * Fencing through the hypervisor manager, for nodes that are themselves VMs (nested labs, VM-based
 * hosts): power the node's VM off where it runs. Described like a fence agent's metadata so the API
 * lists and validates them the same way.
 */
export interface BuiltinParameter {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly required: boolean;
  readonly secret: boolean;
  readonly description: string;
}

export interface BuiltinAgent {
  readonly name: string;
  readonly hypervisor: Hypervisor;
  readonly shortdesc: string;
  readonly parameters: readonly BuiltinParameter[];
  readonly actions: readonly string[];
}

const common = (uriHelp: string): BuiltinParameter[] => [
  { name: 'uri', type: 'string', required: true, secret: false, description: uriHelp },
  { name: 'username', type: 'string', required: false, secret: false, description: 'Login of the managing hypervisor.' },
  { name: 'password', type: 'string', required: false, secret: true, description: 'Password of the managing hypervisor.' },
  { name: 'plug', type: 'string', required: false, secret: false, description: "The node's VM on the managing hypervisor (usually set per node)." },
];

export const BUILTIN_AGENTS: readonly BuiltinAgent[] = [
  {
    name: 'builtin:libvirt',
    hypervisor: Hypervisor.KVM,
    shortdesc: 'Fence a node that is a libvirt VM: destroy its domain.',
    parameters: common('libvirt URI of the host running the node VM (qemu+ssh://..., qemu+tls://..., test+unix://...).'),
    actions: ['on', 'off', 'reboot', 'status', 'monitor'],
  },
  {
    name: 'builtin:vsphere',
    hypervisor: Hypervisor.VSPHERE,
    shortdesc: 'Fence a node that is a vSphere VM: power it off through vCenter or ESXi.',
    parameters: [
      ...common('SDK URL of vCenter or ESXi, https://vcenter/sdk.'),
      { name: 'ssl_insecure', type: 'boolean', required: false, secret: false, description: 'Accept a self-signed certificate (labs only).' },
    ],
    actions: ['on', 'off', 'reboot', 'status', 'monitor'],
  },
  {
    name: 'builtin:hyperv',
    hypervisor: Hypervisor.HYPERV,
    shortdesc: 'Fence a node that is a Hyper-V VM: turn it off through WinRM.',
    parameters: common('WinRM endpoint of the Hyper-V host running the node VM, https://host:5986/wsman.'),
    actions: ['on', 'off', 'reboot', 'status', 'monitor'],
  },
];

export function builtinAgent(name: string): BuiltinAgent | undefined {
  return BUILTIN_AGENTS.find((a) => a.name === name);
}
