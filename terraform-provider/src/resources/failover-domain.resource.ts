/** haaas_failover_domain: a prioritised list of nodes that services of the cluster may run on. */
import type { FailoverDomain } from '../api/client';
import { num, objects, optBool, str } from '../framework/fields';
import type { ResourceType } from '../framework/resource';
import type { TfObject } from '../protocol/values';

const domainState = (d: FailoverDomain): TfObject => ({
  id: d.id,
  cluster_id: d.cluster.id,
  name: d.name,
  members: d.members.map((m) => ({ node_id: m.node.id, priority: m.priority })),
  ordered: d.ordered,
  restricted: d.restricted,
  nofailback: d.nofailback,
});

const membersOf = (o: TfObject) => objects(o, 'members').map((m) => ({ nodeId: str(m, 'node_id'), priority: num(m, 'priority') }));

export const failoverDomainResource: ResourceType = {
  name: 'haaas_failover_domain',
  fieldNames: { fields: { clusterId: 'cluster_id', members: 'members', 'members.nodeId': 'members.node_id' }, notFound: { Cluster: 'cluster_id', Node: 'members' }, refusal: 'name' },
  schema: {
    version: 0,
    description: 'A failover domain: the nodes a service may run on, by priority (1 is the most preferred, as in rgmanager).',
    attributes: {
      id: { type: 'string', computed: true, description: 'The failover domain id.' },
      cluster_id: { type: 'string', required: true, forceNew: true, description: 'The cluster. Changing it replaces the domain.' },
      name: { type: 'string', required: true, description: 'Unique in the cluster.' },
      members: {
        type: { list: { object: { node_id: 'string', priority: 'number' } } },
        required: true,
        description: 'The member nodes, each at most once, with `priority` 1 (most preferred) to 100.',
      },
      ordered: { type: 'bool', optional: true, computed: true, description: 'Prefer members by priority (API default false).' },
      restricted: { type: 'bool', optional: true, computed: true, description: 'Services may run only on members (API default false).' },
      nofailback: { type: 'bool', optional: true, computed: true, description: 'Do not move services back when a more preferred member returns (API default false).' },
    },
  },
  async create(api, planned) {
    const d = await api.createFailoverDomain({
      clusterId: str(planned, 'cluster_id'),
      name: str(planned, 'name'),
      members: membersOf(planned),
      ordered: optBool(planned, 'ordered'),
      restricted: optBool(planned, 'restricted'),
      nofailback: optBool(planned, 'nofailback'),
    });
    return domainState(d);
  },
  read: async (api, id) => domainState(await api.getFailoverDomain(id)),
  async update(api, prior, planned) {
    const d = await api.updateFailoverDomain({
      id: str(prior, 'id'),
      name: str(planned, 'name'),
      members: membersOf(planned),
      ordered: optBool(planned, 'ordered'),
      restricted: optBool(planned, 'restricted'),
      nofailback: optBool(planned, 'nofailback'),
    });
    return domainState(d);
  },
  delete: (api, prior) => api.deleteFailoverDomain(str(prior, 'id')),
};
