/**
 * haaas_service: a resource group with its HA policy. The desired `state` (RUNNING or STOPPED) is
 * carried out through the startService/stopService operations, waited for within the `timeouts`
 * block. Where it runs now and what the engine is doing with it (`status`, `current_node_id`) are
 * read-only and never a diff, so a failover never makes Terraform want to change anything.
 */
import type { Api, Service, ServicePolicyInput } from '../api/client';
import { attributesState, optBool, optNum, optStr, str, stringMap } from '../framework/fields';
import { PartialCreateError, type ResourceType } from '../framework/resource';
import { timeoutOf, timeoutsBlock } from '../framework/schema';
import type { TfObject, TfValue } from '../protocol/values';

const STATE_TIMEOUT_MS = 20 * 60_000;
type Desired = 'RUNNING' | 'STOPPED';

/** What the engine's state means for the desired one: a service being recovered is still meant to run. */
export function desiredOf(state: Service['state']): Desired {
  return state === 'STARTED' || state === 'STARTING' || state === 'RECOVERING' ? 'RUNNING' : 'STOPPED';
}

function serviceState(s: Service, prior: TfObject | null): TfObject {
  const p = s.policy;
  return {
    id: s.id,
    cluster_id: s.cluster.id,
    name: s.name,
    resources: [...s.resources].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((r) => r.id) as TfValue[],
    failover_domain_id: p.failoverDomainId ?? null,
    priority: p.priority,
    recovery_action: p.recoveryAction,
    autostart: p.autostart,
    anti_affinity_group: p.antiAffinityGroup ?? null,
    max_restarts: p.maxRestarts,
    restart_window_seconds: p.restartWindowSeconds,
    max_relocations: p.maxRelocations,
    start_timeout_seconds: p.startTimeoutSeconds,
    stop_timeout_seconds: p.stopTimeoutSeconds,
    recovery_time_objective_seconds: p.recoveryTimeObjectiveSeconds ?? null,
    attributes: attributesState(s.attributes, prior),
    state: desiredOf(s.state),
    status: s.state,
    current_node_id: s.currentNode?.id ?? null,
  };
}

function policyOf(o: TfObject): ServicePolicyInput {
  return {
    failoverDomainId: optStr(o, 'failover_domain_id') ?? null,
    priority: optNum(o, 'priority'),
    recoveryAction: optStr(o, 'recovery_action') as ServicePolicyInput['recoveryAction'],
    autostart: optBool(o, 'autostart'),
    antiAffinityGroup: optStr(o, 'anti_affinity_group') ?? null,
    maxRestarts: optNum(o, 'max_restarts'),
    restartWindowSeconds: optNum(o, 'restart_window_seconds'),
    maxRelocations: optNum(o, 'max_relocations'),
    startTimeoutSeconds: optNum(o, 'start_timeout_seconds'),
    stopTimeoutSeconds: optNum(o, 'stop_timeout_seconds'),
    recoveryTimeObjectiveSeconds: optNum(o, 'recovery_time_objective_seconds') ?? null,
  };
}

const resourceIds = (o: TfObject): string[] => (Array.isArray(o['resources']) ? o['resources'].filter((x): x is string => typeof x === 'string') : []);

/** Starts or stops the service when its state is not the desired one; true when it did. */
async function reach(api: Api, s: Service, planned: TfObject, op: 'create' | 'update'): Promise<boolean> {
  const want = optStr(planned, 'state') as Desired | undefined;
  if (want === undefined || want === desiredOf(s.state)) return false;
  await api.setServiceRunning(s.id, want === 'RUNNING', timeoutOf(planned, op, STATE_TIMEOUT_MS));
  return true;
}

const policyAttr = (type: 'number' | 'string' | 'bool', description: string) => ({ type, optional: true, computed: true, description });

export const serviceResource: ResourceType = {
  name: 'haaas_service',
  fieldNames: {
    fields: { clusterId: 'cluster_id', resources: 'resources', policy: '', 'policy.failoverDomainId': 'failover_domain_id' },
    notFound: { Cluster: 'cluster_id', Resource: 'resources', FailoverDomain: 'failover_domain_id' },
    refusal: 'name',
  },
  schema: {
    version: 0,
    description:
      'A service: resources that start in order, stop in reverse and run together on one node, with its HA policy. `state` is what you want (RUNNING or STOPPED), carried out through operations; `status` and `current_node_id` are what the engine does now and never cause a diff.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The service id.' },
      cluster_id: { type: 'string', required: true, forceNew: true, description: 'The cluster. Changing it replaces the service.' },
      name: { type: 'string', required: true, forceNew: true, description: 'Unique in the cluster. Changing it replaces the service.' },
      resources: { type: { list: 'string' }, optional: true, computed: true, description: 'Ids of its resources (`haaas_resource`), in start order.' },
      failover_domain_id: { type: 'string', optional: true, description: 'The failover domain it runs and fails over within; unset: any node of the cluster.' },
      priority: policyAttr('number', 'Recovery order 1-1000: a HIGHER value recovers first (unlike failover domain priorities).'),
      recovery_action: policyAttr('string', 'When it fails: `RESTART` in place, `RELOCATE` to another node, or `DISABLE` it.'),
      autostart: policyAttr('bool', 'Start it when the cluster starts.'),
      anti_affinity_group: { type: 'string', optional: true, description: 'Services of one group avoid sharing a node.' },
      max_restarts: policyAttr('number', 'Restarts on the same node within `restart_window_seconds` before it is relocated.'),
      restart_window_seconds: policyAttr('number', 'The window of `max_restarts`.'),
      max_relocations: policyAttr('number', 'Relocations before it is given up on.'),
      start_timeout_seconds: policyAttr('number', 'Seconds a start may take.'),
      stop_timeout_seconds: policyAttr('number', 'Seconds a graceful stop may take before it is forced.'),
      recovery_time_objective_seconds: { type: 'number', optional: true, description: 'Target time from failure to running again; failovers are measured against it.' },
      attributes: { type: { map: 'string' }, optional: true, description: 'Key/value labels.' },
      state: { type: 'string', optional: true, computed: true, description: 'Desired state: `RUNNING` or `STOPPED` (default: as it is; a new service is STOPPED). A service the engine is recovering counts as RUNNING.' },
      status: { type: 'string', computed: true, engineMoved: true, changesWith: ['state'], description: 'The state as the engine has it: `STARTED`, `STOPPED`, `RECOVERING`, `FAILED`, ... Read-only.' },
      current_node_id: { type: 'string', computed: true, engineMoved: true, changesWith: ['state'], description: 'The node it runs on now; moved by failovers. Read-only.' },
    },
    blocks: { timeouts: timeoutsBlock(['create', 'update', 'delete'], '20m for starting or stopping') },
  },
  async validatePlan(_api, config) {
    const state = config['state'];
    if (typeof state === 'string' && state !== 'RUNNING' && state !== 'STOPPED') {
      return [{ severity: 'ERROR', summary: `Invalid state "${state}"`, detail: 'The desired state is RUNNING or STOPPED.', attribute: { steps: [{ attribute_name: 'state' }] } }];
    }
    return [];
  },
  async create(api, planned) {
    const s = await api.createService({ clusterId: str(planned, 'cluster_id'), name: str(planned, 'name'), policy: policyOf(planned), resources: resourceIds(planned) }, stringMap(planned, 'attributes'));
    let moved: boolean;
    try {
      moved = await reach(api, s, planned, 'create');
    } catch (err) {
      // the service exists: into the state with the error (tainted), never left unknown to
      // Terraform (a clean-up here could fail too, e.g. CONFLICT while it is STARTING)
      throw new PartialCreateError(serviceState(await api.getService(s.id).catch(() => s), planned), err);
    }
    // read again only after an operation changed it (the create's answer is fresh otherwise)
    return serviceState(moved ? await api.getService(s.id) : s, planned);
  },
  read: async (api, id, prior) => serviceState(await api.getService(id), prior),
  async update(api, prior, planned) {
    const id = str(prior, 'id');
    let s = await api.updateServicePolicy(id, policyOf(planned));
    if (Array.isArray(planned['resources'])) s = await api.setServiceResources(s, resourceIds(planned));
    s = await api.setServiceAttributes(s, stringMap(planned, 'attributes'));
    return serviceState((await reach(api, s, planned, 'update')) ? await api.getService(id) : s, planned);
  },
  async delete(api, prior) {
    const id = str(prior, 'id');
    const s = await api.getService(id);
    if (desiredOf(s.state) === 'RUNNING') await api.setServiceRunning(id, false, timeoutOf(prior, 'delete', STATE_TIMEOUT_MS));
    await api.destroyService(id);
  },
};
