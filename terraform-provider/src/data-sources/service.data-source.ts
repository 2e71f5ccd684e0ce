/** data haaas_service (where a service runs now) and data haaas_failover_plan (a node's dry run). */
import type { DataSourceType } from '../framework/data-source';
import { str } from '../framework/fields';
import { desiredOf } from '../resources/service.resource';

export const serviceDataSource: DataSourceType = {
  name: 'haaas_service',
  fieldNames: { notFound: { Service: 'id' } },
  schema: {
    version: 0,
    description: 'A service as the engine has it now: where it runs and in what state.',
    attributes: {
      id: { type: 'string', required: true, description: 'The service id.' },
      name: { type: 'string', computed: true, description: 'Its name.' },
      cluster_id: { type: 'string', computed: true, description: 'Its cluster.' },
      status: { type: 'string', computed: true, description: '`STARTED`, `STOPPED`, `RECOVERING`, `FAILED`, ...' },
      running: { type: 'bool', computed: true, description: 'Whether it is (meant to be) running: STARTED, STARTING or RECOVERING.' },
      current_node_id: { type: 'string', computed: true, description: 'The node it runs on now, if any.' },
      current_node_hostname: { type: 'string', computed: true, description: "That node's host name." },
      resources: { type: { list: 'string' }, computed: true, description: 'Its resource ids in start order.' },
    },
  },
  async read(api, config) {
    const s = await api.getService(str(config, 'id'));
    return {
      id: s.id,
      name: s.name,
      cluster_id: s.cluster.id,
      status: s.state,
      running: desiredOf(s.state) === 'RUNNING',
      current_node_id: s.currentNode?.id ?? null,
      current_node_hostname: s.currentNode?.hostname ?? null,
      resources: [...s.resources].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((r) => r.id),
    };
  },
};

export const failoverPlanDataSource: DataSourceType = {
  name: 'haaas_failover_plan',
  fieldNames: { notFound: { Node: 'node_id' } },
  schema: {
    version: 0,
    description: 'The dry run for a node: what HAaaS would do if it failed now (fencing, where each service would go, what blocks recovery). Read at plan time; nothing is changed.',
    attributes: {
      node_id: { type: 'string', required: true, description: 'The node.' },
      id: { type: 'string', computed: true, description: 'The node id.' },
      ha_active: { type: 'bool', computed: true, description: 'False when the cluster is STOPPED or SUSPENDED: a failure would not be acted on now.' },
      quorate: { type: 'bool', computed: true, description: 'Whether the cluster would keep quorum.' },
      fencing_summary: { type: 'string', computed: true, description: 'How the node would be fenced.' },
      blockers: { type: { list: 'string' }, computed: true, description: 'What would stop recovery (`NOT_QUORATE: ...`, `NO_FENCING_DEVICE: ...`).' },
      services: {
        type: { list: { object: { service_id: 'string', outcome: 'string', target_node_id: 'string', wave: 'number', reason: 'string' } } },
        computed: true,
        description: 'Each service on the node: `START` on `target_node_id`, `SKIP` or `WILL_FAIL` (with `reason`), in recovery order.',
      },
      start_count: { type: 'number', computed: true, description: 'Services that would start elsewhere.' },
      will_fail_count: { type: 'number', computed: true, description: 'Services no node could take.' },
    },
  },
  async read(api, config) {
    const p = await api.failoverPlan(str(config, 'node_id'));
    return {
      node_id: p.nodeId,
      id: p.nodeId,
      ha_active: p.haActive,
      quorate: p.quorum.quorate,
      fencing_summary: p.fencing.summary,
      blockers: p.blockers.map((b) => `${b.code}: ${b.message}`),
      services: p.services.map((s) => ({ service_id: s.serviceId, outcome: s.outcome, target_node_id: s.targetNodeId ?? null, wave: s.wave ?? null, reason: s.reason ?? null })),
      start_count: p.counts.start,
      will_fail_count: p.counts.willFail,
    };
  },
};
