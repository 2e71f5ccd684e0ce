/**
 * haaas_fencing_device: a fence device of a cluster (an IPMI BMC, a PDU, a hypervisor manager).
 * Options are checked against the agent's metadata at plan time; secret options are sensitive and
 * only their names are read back.
 */
import type { FencingDevice } from '../api/client';
import { str, stringMap } from '../framework/fields';
import type { ResourceType } from '../framework/resource';
import { type TfObject, valuesEqual } from '../protocol/values';
import { checkOptions, optionList, secretsState } from './fencing-options';

function deviceState(d: FencingDevice, prior: TfObject | null): TfObject {
  const options = Object.fromEntries(d.options.map((o) => [o.key, o.value]));
  return {
    id: d.id,
    cluster_id: d.cluster.id,
    name: d.name,
    agent: d.agent,
    options: d.options.length === 0 && (prior?.['options'] ?? null) === null ? null : options,
    secret_options: secretsState(d.secretOptionKeys, prior),
    secret_options_wo: null,
    secret_options_wo_version: null, // kept from the configuration (secret)
  };
}

export const fencingDeviceResource: ResourceType = {
  name: 'haaas_fencing_device',
  fieldNames: { fields: { clusterId: 'cluster_id' }, notFound: { Cluster: 'cluster_id' }, refusal: 'name' },
  schema: {
    version: 0,
    description: 'A fencing device of a cluster: a fence agent (`fence_ipmilan`, `fence_redfish`, `builtin:libvirt`, ...) and its options. Option names and values are checked against the agent\'s metadata when planning.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The device id.' },
      cluster_id: { type: 'string', required: true, forceNew: true, description: 'The cluster. Changing it replaces the device.' },
      name: { type: 'string', required: true, forceNew: true, description: 'Unique in the cluster. Changing it replaces the device.' },
      agent: { type: 'string', required: true, forceNew: true, description: '`fence_<name>` of the standard fence-agents, or `builtin:vsphere`, `builtin:libvirt`, `builtin:hyperv`. See the `haaas_fence_agent` data source for its options. Changing it replaces the device.' },
      options: { type: { map: 'string' }, optional: true, description: 'Options of the agent in the clear (`ip`, `username`, `lanplus`, ...), checked against its metadata.' },
      secret_options: { type: { map: 'string' }, optional: true, sensitive: true, description: 'Secret options (`password`, ...): stored encrypted, never returned by the API; a secret removed elsewhere shows as a diff, a changed value does not. Kept in the state (sensitive): prefer `secret_options_wo`.' },
      secret_options_wo: { type: { map: 'string' }, optional: true, sensitive: true, writeOnly: true, description: 'Secret options as a write-only argument (Terraform 1.11+, OpenTofu 1.11+): sent to the API, never in the plan or the state. Sent on create and whenever `secret_options_wo_version` changes (then they replace all secret options). Conflicts with `secret_options`.' },
      secret_options_wo_version: { type: 'number', optional: true, secret: true, description: 'Change it (1, 2, ...) to send `secret_options_wo` again.' },
    },
  },
  validatePlan: (api, config) => checkOptions(api, config['agent'], config, 'haaas_fencing_device'),
  async create(api, planned) {
    const d = await api.addFencingDevice({
      clusterId: str(planned, 'cluster_id'),
      name: str(planned, 'name'),
      agent: str(planned, 'agent'),
      options: optionList(stringMap(planned, 'options')),
      secretOptions: optionList(planned['secret_options_wo'] ? stringMap(planned, 'secret_options_wo') : stringMap(planned, 'secret_options')),
    });
    return deviceState(d, planned);
  },
  read: async (api, id, prior) => deviceState(await api.getFencingDevice(id), prior),
  async update(api, prior, planned) {
    const id = str(prior, 'id');
    const current = await api.getFencingDevice(id);
    const wanted = stringMap(planned, 'options');
    const have = Object.fromEntries(current.options.map((o) => [o.key, o.value]));
    const writeOnly = planned['secret_options_wo'] !== null && planned['secret_options_wo'] !== undefined;
    const resend = writeOnly && !valuesEqual(prior['secret_options_wo_version'] ?? null, planned['secret_options_wo_version'] ?? null);
    const secrets = stringMap(planned, writeOnly ? 'secret_options_wo' : 'secret_options');
    const priorSecrets = stringMap(prior, 'secret_options');
    const d = await api.setFencingDeviceOptions({
      id,
      set: optionList(Object.fromEntries(Object.entries(wanted).filter(([k, v]) => have[k] !== v))),
      unset: Object.keys(have).filter((k) => !(k in wanted)),
      // write-only secrets: all of them again when the version changes, else untouched
      ...(writeOnly
        ? resend
          ? { setSecrets: optionList(secrets), unsetSecrets: current.secretOptionKeys.filter((k) => !(k in secrets)) }
          : { setSecrets: [], unsetSecrets: [] }
        : {
            setSecrets: optionList(Object.fromEntries(Object.entries(secrets).filter(([k, v]) => priorSecrets[k] !== v || !current.secretOptionKeys.includes(k)))),
            unsetSecrets: current.secretOptionKeys.filter((k) => !(k in secrets)),
          }),
    });
    return deviceState(d, planned);
  },
  delete: (api, prior) => api.deleteFencingDevice(str(prior, 'id')),
};
