/**
 * haaas_fencing_association: a device in a node's fencing topology at a level, with per-node
 * options (`plug`, `port`). Its id is `<device_id>/<node_id>` (the API names an association by
 * the pair); any change replaces it, as the API has no update of an association.
 */
import type { DeviceAssociation } from '../api/client';
import { num, str, stringMap } from '../framework/fields';
import type { ResourceType } from '../framework/resource';
import type { TfObject } from '../protocol/values';
import { checkOptions, optionList, secretsState } from './fencing-options';

function associationState(deviceId: string, a: DeviceAssociation, prior: TfObject | null): TfObject {
  return {
    id: `${deviceId}/${a.node.id}`,
    device_id: deviceId,
    node_id: a.node.id,
    level: a.level,
    options: a.options.length === 0 && (prior?.['options'] ?? null) === null ? null : Object.fromEntries(a.options.map((o) => [o.key, o.value])),
    secret_options: secretsState(a.secretOptionKeys, prior),
  };
}

function idParts(id: string): [string, string] {
  const [device, node, ...rest] = id.split('/');
  if (!device || !node || rest.length > 0) throw new Error(`"${id}" is not an association id: expected <device_id>/<node_id>`);
  return [device, node];
}

export const fencingAssociationResource: ResourceType = {
  name: 'haaas_fencing_association',
  fieldNames: { fields: { deviceId: 'device_id', nodeId: 'node_id' }, notFound: { FencingDevice: 'device_id', Node: 'node_id' }, refusal: 'node_id' },
  schema: {
    version: 0,
    description: "A fencing device in a node's fencing topology: `level` 1 is tried first; all devices of a level must succeed. Import with `<device_id>/<node_id>`.",
    attributes: {
      id: { type: 'string', computed: true, description: '`<device_id>/<node_id>`.' },
      device_id: { type: 'string', required: true, forceNew: true, description: 'The fencing device.' },
      node_id: { type: 'string', required: true, forceNew: true, description: 'The node it fences.' },
      level: { type: 'number', required: true, forceNew: true, description: 'Topology level 1-9.' },
      options: { type: { map: 'string' }, optional: true, forceNew: true, description: "Per-node options (e.g. `plug` naming the node's VM or outlet), added to and overriding the device's." },
      secret_options: { type: { map: 'string' }, optional: true, sensitive: true, forceNew: true, description: 'Per-node secret options, never returned by the API.' },
    },
  },
  async validatePlan(api, config) {
    const deviceId = config['device_id'];
    if (typeof deviceId !== 'string') return [];
    const agent = await api.getFencingDevice(deviceId).then(
      (d) => d.agent,
      () => undefined,
    );
    return checkOptions(api, agent, config, 'haaas_fencing_association');
  },
  async create(api, planned) {
    const deviceId = str(planned, 'device_id');
    await api.associateFencingDevice({
      deviceId,
      nodeId: str(planned, 'node_id'),
      level: num(planned, 'level'),
      options: optionList(stringMap(planned, 'options')),
      secretOptions: optionList(stringMap(planned, 'secret_options')),
    });
    return associationState(deviceId, await api.getFencingAssociation(deviceId, str(planned, 'node_id')), planned);
  },
  async read(api, id, prior) {
    const [deviceId, nodeId] = idParts(id);
    return associationState(deviceId, await api.getFencingAssociation(deviceId, nodeId), prior);
  },
  update: () => Promise.reject(new Error('haaas_fencing_association has no update: every change replaces it')),
  delete: (api, prior) => api.deassociateFencingDevice(str(prior, 'device_id'), str(prior, 'node_id')),
};
