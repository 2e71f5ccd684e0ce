/** haaas_cluster: a cluster, its HA policy defaults and attributes; `ha_enabled` starts or stops HA. */
import type { Api, Cluster } from '../api/client';
import { attributesState, optBool, optNum, optStr, str, stringMap } from '../framework/fields';
import type { ResourceType } from '../framework/resource';
import { timeoutOf, timeoutsBlock } from '../framework/schema';
import type { TfObject } from '../protocol/values';

const HA_TIMEOUT_MS = 10 * 60_000;

function clusterState(c: Cluster, prior: TfObject | null): TfObject {
  return {
    id: c.id,
    name: c.name,
    hypervisor: c.hypervisor,
    description: c.description ?? null,
    heartbeat_source: c.heartbeatSource,
    heartbeat_interval_seconds: c.policy.heartbeatIntervalSeconds,
    deadtime_seconds: c.policy.deadtimeSeconds,
    fencing_required: c.policy.fencingRequired,
    min_healthy_nodes: c.policy.minHealthyNodes,
    attributes: attributesState(c.attributes, prior),
    ha_enabled: c.state !== 'STOPPED',
    state: c.state,
    quorate: c.status.quorate,
  };
}

const policyOf = (o: TfObject) => ({
  heartbeatIntervalSeconds: optNum(o, 'heartbeat_interval_seconds'),
  deadtimeSeconds: optNum(o, 'deadtime_seconds'),
  fencingRequired: optBool(o, 'fencing_required'),
  minHealthyNodes: optNum(o, 'min_healthy_nodes'),
});

const heartbeatSourceOf = (o: TfObject) => optStr(o, 'heartbeat_source') as Cluster['heartbeatSource'] | undefined;

async function setHa(api: Api, id: string, planned: TfObject, op: 'create' | 'update'): Promise<void> {
  await api.setClusterHa(id, planned['ha_enabled'] === true, timeoutOf(planned, op, HA_TIMEOUT_MS));
}

export const clusterResource: ResourceType = {
  name: 'haaas_cluster',
  fieldNames: { fields: { policy: '' }, refusal: 'name' },
  schema: {
    version: 0,
    description: 'A cluster of hypervisor hosts that HAaaS keeps highly available. `ha_enabled = true` starts HA on an existing cluster (the startCluster operation, which needs healthy nodes); to create a cluster, its nodes and HA in one apply, leave `ha_enabled` unset and declare a `haaas_cluster_ha` that depends on the nodes.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The cluster id.' },
      name: { type: 'string', required: true, forceNew: true, description: 'Unique in the tenant: 1-63 letters, digits, `_`, `.` or `-`. Changing it replaces the cluster.' },
      hypervisor: { type: 'string', required: true, forceNew: true, description: '`KVM`, `VSPHERE` or `HYPERV`. Changing it replaces the cluster.' },
      description: { type: 'string', optional: true, description: 'Free text.' },
      heartbeat_source: { type: 'string', optional: true, computed: true, description: 'Where node liveness comes from: `AGENT` (node agents, with isolation checks), `MANAGER` (the hypervisor manager, no agents; VSPHERE and HYPERV only) or `BOTH` (alive while either says so). API default `AGENT`.' },
      heartbeat_interval_seconds: { type: 'number', optional: true, computed: true, description: 'Seconds between agent heartbeats (API default 1).' },
      deadtime_seconds: { type: 'number', optional: true, computed: true, description: 'Seconds of silence before a node counts as failed; at least twice the heartbeat interval (API default 10).' },
      fencing_required: { type: 'bool', optional: true, computed: true, description: 'Fence a failed node before its services restart elsewhere (API default true).' },
      min_healthy_nodes: { type: 'number', optional: true, computed: true, description: 'Healthy nodes needed to start HA (API default 2).' },
      attributes: { type: { map: 'string' }, optional: true, description: 'Key/value labels.' },
      ha_enabled: { type: 'bool', optional: true, computed: true, description: 'Whether HA runs (cluster STARTED). Default false.' },
      state: { type: 'string', computed: true, engineMoved: true, changesWith: ['ha_enabled'], description: 'HA state as the engine has it: `STOPPED`, `STARTED` or `SUSPENDED`. Read-only.' },
      quorate: { type: 'bool', computed: true, engineMoved: true, changesWith: ['ha_enabled'], description: 'Whether the cluster has quorum now. Read-only.' },
    },
    blocks: { timeouts: timeoutsBlock(['create', 'update'], '10m for starting or stopping HA') },
  },
  async create(api, planned) {
    const created = await api.createCluster(
      { name: str(planned, 'name'), hypervisor: str(planned, 'hypervisor') as Cluster['hypervisor'], description: optStr(planned, 'description'), heartbeatSource: heartbeatSourceOf(planned), policy: policyOf(planned) },
      stringMap(planned, 'attributes'),
    );
    try {
      if (planned['ha_enabled'] === true) await setHa(api, created.id, planned, 'create');
    } catch (err) {
      // nothing half-created: the cluster goes when HA cannot start
      await api.destroyCluster(created.id).catch(() => undefined);
      throw err;
    }
    return clusterState(await api.getCluster(created.id), planned);
  },
  read: async (api, id, prior) => clusterState(await api.getCluster(id), prior),
  async update(api, prior, planned) {
    const id = str(prior, 'id');
    let c = await api.updateCluster({ id, description: optStr(planned, 'description') ?? null, heartbeatSource: heartbeatSourceOf(planned), policy: policyOf(planned) });
    c = await api.setClusterAttributes(c, stringMap(planned, 'attributes'));
    if (planned['ha_enabled'] !== (c.state !== 'STOPPED')) await setHa(api, id, planned, 'update');
    return clusterState(await api.getCluster(id), planned);
  },
  async delete(api, prior) {
    const id = str(prior, 'id');
    const c = await api.getCluster(id);
    if (c.state !== 'STOPPED') await api.setClusterHa(id, false, timeoutOf(prior, 'delete', HA_TIMEOUT_MS));
    await api.destroyCluster(id);
  },
};
