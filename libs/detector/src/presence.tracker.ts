import { ClusterState, NodeStatus } from '@haaas/domain';
import type { NodeEntity } from '@haaas/persistence';
import { appendEvent } from '@haaas/management';
import type { HeartbeatStore } from '@haaas/heartbeats';
import { DetectorStore, detectorScope } from './detector.store';
import type { ClusterRef } from './detector.store';

/**
 * Node presence in clusters whose HA is not started (STOPPED): a node whose
 * agent sends heartbeats is ONLINE, one silent past the deadtime OFFLINE, MAINTENANCE while flagged.
 * Nothing is declared failed and no incident is opened here: that needs HA started, which itself
 * needs quorum of ONLINE nodes, so someone has to tell who is there first. Writes carry the
 * detector's fencing token, like every other detector write.
 */
export function presenceStatus(node: Pick<NodeEntity, 'maintenance'>, lastSeenMs: number | undefined, nowMs: number, deadtimeSeconds: number): NodeStatus {
  if (node.maintenance) return NodeStatus.MAINTENANCE;
  if (lastSeenMs !== undefined && nowMs - lastSeenMs <= deadtimeSeconds * 1000) return NodeStatus.ONLINE;
  return NodeStatus.OFFLINE;
}

export async function trackPresence(db: DetectorStore, heartbeats: HeartbeatStore, ref: ClusterRef, token: number, nowMs: number): Promise<number> {
  const cluster = ref.cluster;
  if (cluster.state !== ClusterState.STOPPED) return 0;
  const scope = detectorScope(ref.tenantId);
  const nodes = await db.nodesOf(scope, ref.clusterId);
  if (nodes.length === 0) return 0;
  const records = await heartbeats.records(
    scope,
    ref.clusterId,
    nodes.map((n) => n.id),
  );
  const changes = nodes
    .map((node) => ({ node, status: presenceStatus(node, records.get(node.id)?.seenAt, nowMs, cluster.deadtimeSeconds) }))
    .filter((c) => c.status !== c.node.status);
  if (changes.length === 0) return 0;
  await db.fenced(scope, ref.clusterId, token, async (repos, locked) => {
    // the cluster list is cached for a few seconds: act only if HA is still not started now
    if (locked.state !== ClusterState.STOPPED) return;
    for (const { node, status } of changes) {
      const fresh = await repos.nodes.lock(scope, node.id);
      // another writer (an operation, maintenance) changed it since the read: leave it to the next tick
      if (fresh.status !== node.status) continue;
      const before = fresh.status;
      fresh.status = status;
      fresh.statusReason = status === NodeStatus.ONLINE ? 'heartbeats arriving (HA not started)' : status === NodeStatus.OFFLINE ? 'no heartbeat within the deadtime (HA not started)' : 'maintenance';
      fresh.statusChangedAt = new Date(nowMs);
      await repos.nodes.save(scope, fresh);
      await appendEvent(repos, scope, {
        clusterId: ref.clusterId,
        type: 'node.status_changed',
        objectType: 'Node',
        objectId: node.id,
        nodeId: node.id,
        before: { status: before },
        after: { status },
        message: `${before} → ${status}: ${fresh.statusReason}`,
      });
    }
  });
  return changes.length;
}
