/** haaas_node: a hypervisor host of a cluster; its endpoint password is sensitive and never read back. */
import type { Node } from '../api/client';
import { attributesState, num, optBool, optStr, str, stringMap } from '../framework/fields';
import type { ResourceType } from '../framework/resource';
import { type TfObject, valuesEqual } from '../protocol/values';

function nodeState(n: Node, prior: TfObject | null): TfObject {
  return {
    id: n.id,
    cluster_id: n.cluster.id,
    hostname: n.hostname,
    kind: n.kind,
    endpoint_uri: n.endpoint.uri,
    username: n.endpoint.username ?? null,
    password: null, // filled from the configuration (secret)
    password_wo: null,
    password_wo_version: null, // kept from the configuration (secret)
    check_address: n.checkAddress ?? null,
    cpus: n.capacity.cpus,
    memory_mb: n.capacity.memoryMb,
    attributes: attributesState(n.attributes, prior),
    maintenance: n.maintenance,
    status: n.status,
  };
}

export const nodeResource: ResourceType = {
  name: 'haaas_node',
  fieldNames: {
    fields: { clusterId: 'cluster_id', 'endpoint.uri': 'endpoint_uri', 'endpoint.username': 'username', 'endpoint.password': 'password', 'capacity.memoryMb': 'memory_mb', 'capacity.cpus': 'cpus' },
    notFound: { Cluster: 'cluster_id' },
    refusal: 'hostname',
  },
  schema: {
    version: 0,
    description: 'A hypervisor host (or a VM acting as one) of a cluster. `status` is what the engine sees now and never causes a diff.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The node id.' },
      cluster_id: { type: 'string', required: true, forceNew: true, description: 'The cluster it joins. Changing it replaces the node.' },
      hostname: { type: 'string', required: true, forceNew: true, description: 'RFC 1123 host name, unique in the tenant (stored lower-case). Changing it replaces the node.' },
      kind: { type: 'string', required: true, forceNew: true, description: '`PHYSICAL` or `VIRTUAL`. Changing it replaces the node.' },
      endpoint_uri: { type: 'string', required: true, description: "How to reach the node's hypervisor manager; the scheme must suit the cluster's hypervisor (KVM `qemu+ssh://`, `qemu+tls://`, `qemu+tcp://`, `test://`; vSphere `https://`; Hyper-V `http(s)://`)." },
      username: { type: 'string', optional: true, description: 'User to log in as, if not in the URI.' },
      password: { type: 'string', optional: true, sensitive: true, secret: true, description: 'Password of the endpoint. Write-only in the API: kept in Terraform state (sensitive), never read back, so a change made elsewhere is not detected. Prefer `password_wo`.' },
      password_wo: { type: 'string', optional: true, sensitive: true, writeOnly: true, description: 'Password of the endpoint as a write-only argument (Terraform 1.11+, OpenTofu 1.11+): sent to the API, never in the plan or the state. Sent on create and whenever `password_wo_version` changes. Conflicts with `password`.' },
      password_wo_version: { type: 'number', optional: true, secret: true, description: 'Change it (1, 2, ...) to send `password_wo` again: Terraform cannot see a write-only value change.' },
      check_address: { type: 'string', optional: true, description: 'IP address or host name probed to tell FAILED from EXCLUDED.' },
      cpus: { type: 'number', required: true, description: 'CPUs offered to services (1-4096).' },
      memory_mb: { type: 'number', required: true, description: 'Memory offered to services, in MiB.' },
      attributes: { type: { map: 'string' }, optional: true, description: 'Key/value labels.' },
      maintenance: { type: 'bool', optional: true, computed: true, description: 'Maintenance mode: no services placed here. Default false.' },
      status: { type: 'string', computed: true, engineMoved: true, changesWith: ['maintenance', 'endpoint_uri', 'username', 'password', 'password_wo_version'], description: 'The node status as the engine sees it (`ONLINE`, `OFFLINE`, `FAILED`, ...). Read-only.' },
    },
  },
  async create(api, planned) {
    const n = await api.joinNode(
      {
        clusterId: str(planned, 'cluster_id'),
        hostname: str(planned, 'hostname'),
        kind: str(planned, 'kind') as Node['kind'],
        endpoint: { uri: str(planned, 'endpoint_uri'), username: optStr(planned, 'username'), password: optStr(planned, 'password') ?? optStr(planned, 'password_wo') },
        checkAddress: optStr(planned, 'check_address'),
        capacity: { cpus: num(planned, 'cpus'), memoryMb: num(planned, 'memory_mb') },
      },
      stringMap(planned, 'attributes'),
    );
    try {
      if (optBool(planned, 'maintenance') === true) await api.setNodeMaintenance(n.id, true);
    } catch (err) {
      await api.leaveNode(n.id).catch(() => undefined);
      throw err;
    }
    return nodeState(await api.getNode(n.id), planned);
  },
  read: async (api, id, prior) => nodeState(await api.getNode(id), prior),
  async update(api, prior, planned) {
    const id = str(prior, 'id');
    const wo = optStr(planned, 'password_wo');
    const password = wo ?? optStr(planned, 'password');
    // a write-only password is sent again when its version changes; a stored one when it differs
    const passwordChanged = wo !== undefined ? !valuesEqual(prior['password_wo_version'] ?? null, planned['password_wo_version'] ?? null) : password !== optStr(prior, 'password');
    let n = await api.updateNode({
      id,
      checkAddress: optStr(planned, 'check_address') ?? null,
      capacity: { cpus: num(planned, 'cpus'), memoryMb: num(planned, 'memory_mb') },
      endpoint: {
        uri: str(planned, 'endpoint_uri'),
        username: optStr(planned, 'username') ?? null,
        ...(passwordChanged ? (password === undefined ? { clearPassword: true } : { password }) : {}),
      },
    });
    n = await api.setNodeAttributes(n, stringMap(planned, 'attributes'));
    const maintenance = optBool(planned, 'maintenance');
    if (maintenance !== undefined && maintenance !== n.maintenance) await api.setNodeMaintenance(id, maintenance);
    return nodeState(await api.getNode(id), planned);
  },
  delete: (api, prior) => api.leaveNode(str(prior, 'id')),
};
