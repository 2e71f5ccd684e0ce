/** data haaas_cluster (one, by id or name) and data haaas_clusters (all of the tenant's, or by name part). */
import type { Cluster } from '../api/client';
import { NotFoundError } from '../api/client';
import type { DataSourceType } from '../framework/data-source';
import { error } from '../framework/diagnostics';
import { optStr } from '../framework/fields';
import type { AttributeSpec } from '../framework/schema';
import type { TfObject } from '../protocol/values';

const computed = (type: AttributeSpec['type'], description: string): AttributeSpec => ({ type, computed: true, description });
const clusterAttributes = {
  hypervisor: computed('string', '`KVM`, `VSPHERE` or `HYPERV`.'),
  description: computed('string', 'Free text.'),
  heartbeat_source: computed('string', 'Where node liveness comes from: `AGENT`, `MANAGER` or `BOTH`.'),
  state: computed('string', 'HA state: `STOPPED`, `STARTED` or `SUSPENDED`.'),
  quorate: computed('bool', 'Whether the cluster has quorum now.'),
  attributes: computed({ map: 'string' }, 'Key/value labels.'),
} satisfies Record<string, AttributeSpec>;

const clusterValues = (c: Cluster): TfObject => ({
  id: c.id,
  name: c.name,
  hypervisor: c.hypervisor,
  description: c.description ?? null,
  heartbeat_source: c.heartbeatSource,
  state: c.state,
  quorate: c.status.quorate,
  attributes: Object.fromEntries(c.attributes.map((a) => [a.key, a.value])),
});

export const clusterDataSource: DataSourceType = {
  name: 'haaas_cluster',
  fieldNames: { notFound: { Cluster: 'id', ClusterName: 'name' } },
  schema: {
    version: 0,
    description: 'One cluster of the tenant, by `id` or by `name`.',
    attributes: {
      id: { type: 'string', optional: true, computed: true, description: 'The cluster id (or give `name`).' },
      name: { type: 'string', optional: true, computed: true, description: 'The cluster name (or give `id`).' },
      ...clusterAttributes,
    },
  },
  validate: (config) => (config['id'] === null && config['name'] === null ? [error('A cluster by id or by name', 'Give `id` or `name`.', 'name')] : []),
  async read(api, config) {
    const id = optStr(config, 'id');
    if (id) return clusterValues(await api.getCluster(id));
    const name = optStr(config, 'name') ?? '';
    const found = (await api.findClusters(name)).find((c) => c.name === name);
    if (!found) throw new NotFoundError(`no cluster named "${name}"`, { code: 'NOT_FOUND', errors: [{ message: 'not found', extensions: { code: 'NOT_FOUND', kind: 'ClusterName' } }] });
    return clusterValues(found);
  },
};

export const clustersDataSource: DataSourceType = {
  name: 'haaas_clusters',
  schema: {
    version: 0,
    description: "The tenant's clusters, optionally those whose name contains `name_contains`.",
    attributes: {
      name_contains: { type: 'string', optional: true, description: 'Only clusters whose name contains this.' },
      id: computed('string', 'A stable id of this query.'),
      clusters: computed({ list: { object: { id: 'string', name: 'string', hypervisor: 'string', description: 'string', heartbeat_source: 'string', state: 'string', quorate: 'bool', attributes: { map: 'string' } } } }, 'The clusters, by name.'),
    },
  },
  async read(api, config) {
    const part = optStr(config, 'name_contains');
    const list = (await api.findClusters(part)).sort((a, b) => a.name.localeCompare(b.name));
    return { name_contains: part ?? null, id: `clusters:${part ?? ''}`, clusters: list.map(clusterValues) };
  },
};
