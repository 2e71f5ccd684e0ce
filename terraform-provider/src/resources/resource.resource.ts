/**
 * haaas_resource: one thing a service runs: a VM, an IP address, an application or a volume, each
 * described in its own nested block (`vm { ... }`, `ip { ... }`, ...), exactly one of them, the one
 * `type` names. The service it belongs to and its position there are the service's to set.
 */
import type { Resource } from '../api/client';
import { type Diagnostic, error } from '../framework/diagnostics';
import { attributesState, str, stringMap } from '../framework/fields';
import type { ResourceType } from '../framework/resource';
import type { BlockSpec } from '../framework/schema';
import { isUnknown, type TfObject, type TfValue } from '../protocol/values';

type Kind = Resource['type'];
const BLOCK: Record<Kind, 'vm' | 'ip' | 'application' | 'volume'> = { VM: 'vm', IP: 'ip', APPLICATION: 'application', VOLUME: 'volume' };

const s = (description: string, required = false) => ({ type: 'string' as const, ...(required ? { required: true } : { optional: true }), description });
const n = (description: string, required = false) => ({ type: 'number' as const, ...(required ? { required: true } : { optional: true }), description });
const blocks: Record<string, BlockSpec> = {
  vm: {
    fromApi: true,
    description: 'A virtual machine (type `VM`).',
    attributes: { hypervisor_ref: s('Name, UUID or managed-object reference (vSphere `vm-42`) of the VM on the hypervisor.', true), shutdown_timeout_seconds: n('Seconds a graceful shutdown may take before the VM is powered off.') },
  },
  ip: {
    fromApi: true,
    description: 'A floating IP address (type `IP`).',
    attributes: { address: s('The IPv4 or IPv6 address.', true), prefix_length: n('Its prefix length.', true), interface: s('Interface to bring it up on; default: the one whose network holds the address.') },
  },
  application: {
    fromApi: true,
    description: 'An application run by the node agent (type `APPLICATION`).',
    attributes: { start_command: s('Command that starts it.', true), stop_command: s('Command that stops it.', true), monitor_command: s('Command whose exit status says whether it runs.'), user: s('User to run the commands as.') },
  },
  volume: {
    fromApi: true,
    description: 'A volume (type `VOLUME`).',
    attributes: { ref: s('The volume (device path, LVM volume, ...).', true), mount_point: s('Where to mount it.'), fs_type: s('Its file system type.') },
  },
};

const num = (v: number | null | undefined): TfValue => (v === undefined ? null : v);
function resourceState(r: Resource, prior: TfObject | null): TfObject {
  return {
    id: r.id,
    cluster_id: r.cluster.id,
    name: r.name,
    type: r.type,
    attributes: attributesState(r.attributes, prior),
    vm: r.vm ? { hypervisor_ref: r.vm.hypervisorRef, shutdown_timeout_seconds: num(r.vm.shutdownTimeoutSeconds) } : null,
    ip: r.ip ? { address: r.ip.address, prefix_length: r.ip.prefixLength, interface: r.ip.interface ?? null } : null,
    application: r.application
      ? { start_command: r.application.startCommand, stop_command: r.application.stopCommand, monitor_command: r.application.monitorCommand ?? null, user: r.application.user ?? null }
      : null,
    volume: r.volume ? { ref: r.volume.ref, mount_point: r.volume.mountPoint ?? null, fs_type: r.volume.fsType ?? null } : null,
  };
}

const obj = (o: TfObject, k: string): TfObject | undefined => {
  const v = o[k];
  return v && typeof v === 'object' && !Array.isArray(v) && !isUnknown(v) ? (v as TfObject) : undefined;
};
const optS = (o: TfObject, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const optN = (o: TfObject, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);

/** The API's spec inputs from the blocks. */
function specsOf(planned: TfObject) {
  const vm = obj(planned, 'vm');
  const ip = obj(planned, 'ip');
  const app = obj(planned, 'application');
  const vol = obj(planned, 'volume');
  return {
    ...(vm ? { vm: { hypervisorRef: str(vm, 'hypervisor_ref'), shutdownTimeoutSeconds: optN(vm, 'shutdown_timeout_seconds') } } : {}),
    ...(ip ? { ip: { address: str(ip, 'address'), prefixLength: optN(ip, 'prefix_length') ?? 0, interface: optS(ip, 'interface') } } : {}),
    ...(app ? { application: { startCommand: str(app, 'start_command'), stopCommand: str(app, 'stop_command'), monitorCommand: optS(app, 'monitor_command'), user: optS(app, 'user') } } : {}),
    ...(vol ? { volume: { ref: str(vol, 'ref'), mountPoint: optS(vol, 'mount_point'), fsType: optS(vol, 'fs_type') } } : {}),
  };
}

/** Exactly the block `type` names: an error on the block otherwise, before anything is created. */
async function checkBlocks(config: TfObject): Promise<Diagnostic[]> {
  const type = config['type'];
  if (typeof type !== 'string') return [];
  const wanted = BLOCK[type as Kind];
  if (!wanted) return [error(`Unknown resource type "${type}"`, 'One of VM, IP, APPLICATION, VOLUME.', 'type')];
  const out: Diagnostic[] = [];
  if (config[wanted] === null) out.push(error(`A ${type} resource needs a ${wanted} block`, `Describe the ${type.toLowerCase()} in \`${wanted} { ... }\`.`, 'type'));
  for (const other of Object.values(BLOCK)) if (other !== wanted && config[other] !== null && config[other] !== undefined) out.push(error(`A ${type} resource has no ${other} block`, `Only the ${wanted} block goes with type ${type}.`, other));
  return out;
}

export const resourceResource: ResourceType = {
  name: 'haaas_resource',
  fieldNames: { fields: { clusterId: 'cluster_id', 'vm.hypervisorRef': 'vm.hypervisor_ref' }, notFound: { Cluster: 'cluster_id' }, refusal: 'name' },
  schema: {
    version: 0,
    description: 'A resource a service runs: a VM, an IP address, an application or a volume, described in the block its `type` names. Which service holds it is set by `haaas_service.resources`.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The resource id.' },
      cluster_id: { type: 'string', required: true, forceNew: true, description: 'The cluster. Changing it replaces the resource.' },
      name: { type: 'string', required: true, forceNew: true, description: 'Unique in the cluster. Changing it replaces the resource.' },
      type: { type: 'string', required: true, forceNew: true, description: '`VM`, `IP`, `APPLICATION` or `VOLUME`; the block of the same name describes it. Changing it replaces the resource.' },
      attributes: { type: { map: 'string' }, optional: true, description: 'Key/value labels.' },
    },
    blocks,
  },
  validatePlan: (_api, config) => checkBlocks(config),
  async create(api, planned) {
    const r = await api.createResource({ clusterId: str(planned, 'cluster_id'), name: str(planned, 'name'), type: str(planned, 'type') as Kind, ...specsOf(planned) }, stringMap(planned, 'attributes'));
    return resourceState(r, planned);
  },
  read: async (api, id, prior) => resourceState(await api.getResource(id), prior),
  async update(api, prior, planned) {
    const id = str(prior, 'id');
    let r = await api.updateResource({ id, ...specsOf(planned) });
    r = await api.setResourceAttributes(r, stringMap(planned, 'attributes'));
    return resourceState(r, planned);
  },
  delete: (api, prior) => api.destroyResource(str(prior, 'id')),
};
