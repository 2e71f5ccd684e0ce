/**
 * haaas_cluster_ha: HA of a cluster as a resource of its own, so that one `terraform apply` can
 * declare the cluster, its nodes and fencing, and start HA once they exist (`depends_on` orders it
 * after them; services that should run depend on it). `ha_enabled` on haaas_cluster cannot do that
 * at creation: the nodes reference the cluster, so the cluster is created before them. This is the
 * pattern of the AWS and Google providers' separate attachment/association resources.
 *
 * Create waits (within `timeouts.create`) until the cluster has the healthy nodes its policy needs
 * (the node agents may still be coming up), then runs startCluster; destroy runs stopCluster. HA
 * stopped behind Terraform's back reads as gone, so the next plan starts it again.
 */
import type { Api, Cluster } from '../api/client';
import { str } from '../framework/fields';
import type { ResourceType } from '../framework/resource';
import { timeoutOf, timeoutsBlock } from '../framework/schema';
import type { TfObject } from '../protocol/values';

const TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 500;

const haState = (c: Cluster, prior: TfObject | null): TfObject => ({
  id: c.id,
  cluster_id: c.id,
  state: c.state,
  quorate: c.status.quorate,
  healthy_nodes: c.status.healthyNodes,
  timeouts: prior?.['timeouts'] ?? null,
});

/** Waits until the cluster has `policy.minHealthyNodes` healthy nodes, or fails saying how many it has. */
async function waitForHealthyNodes(api: Api, id: string, deadline: number): Promise<void> {
  for (;;) {
    const c = await api.getCluster(id);
    if (c.status.healthyNodes >= c.policy.minHealthyNodes) return;
    if (Date.now() + POLL_MS > deadline) {
      throw new Error(
        `cluster ${c.name} has ${c.status.healthyNodes} healthy node(s) of the ${c.policy.minHealthyNodes} needed to start HA: are the node agents running with their tokens? (waited until timeouts.create)`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export const clusterHaResource: ResourceType = {
  name: 'haaas_cluster_ha',
  fieldNames: { fields: { id: 'cluster_id' }, notFound: { Cluster: 'cluster_id' }, refusal: 'cluster_id' },
  schema: {
    version: 0,
    description:
      'HA running on a cluster (the startCluster operation), declared after its nodes and fencing: put them in `depends_on`, and make services with `state = "RUNNING"` depend on this. Creating it waits for the healthy nodes the cluster needs, then starts HA; destroying it stops HA. Use it or `ha_enabled` on `haaas_cluster`, not both. Imports by cluster id.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The cluster id.' },
      cluster_id: { type: 'string', required: true, forceNew: true, description: 'The cluster.' },
      state: { type: 'string', computed: true, engineMoved: true, description: 'HA state as the engine has it: `STARTED` or `SUSPENDED` (quorum lost). Read-only.' },
      quorate: { type: 'bool', computed: true, engineMoved: true, description: 'Whether the cluster has quorum now. Read-only.' },
      healthy_nodes: { type: 'number', computed: true, engineMoved: true, description: 'Healthy nodes now (moved by failures). Read-only.' },
    },
    blocks: { timeouts: timeoutsBlock(['create', 'delete'], '10m: waiting for healthy nodes and starting HA, or stopping it') },
  },
  async create(api, planned) {
    const id = str(planned, 'cluster_id');
    const timeoutMs = timeoutOf(planned, 'create', TIMEOUT_MS);
    const c = await api.getCluster(id);
    if (c.state === 'STOPPED') {
      const started = Date.now();
      await waitForHealthyNodes(api, id, started + timeoutMs);
      await api.setClusterHa(id, true, Math.max(1_000, timeoutMs - (Date.now() - started)));
    }
    return haState(await api.getCluster(id), planned);
  },
  async read(api, id, prior) {
    const c = await api.getCluster(id);
    return c.state === 'STOPPED' ? null : haState(c, prior);
  },
  update: async (api, prior) => haState(await api.getCluster(str(prior, 'id')), prior),
  async delete(api, prior) {
    const id = str(prior, 'id');
    const c = await api.getCluster(id);
    if (c.state !== 'STOPPED') await api.setClusterHa(id, false, timeoutOf(prior, 'delete', TIMEOUT_MS));
  },
};
