import { setTimeout as sleep } from 'node:timers/promises';
import { IncidentState, NodeStatus, type TenantScope } from '@haaas/domain';
import type { EventEntity, Store } from '@haaas/persistence';
import type { Seeded } from './lab-types';

// Incidents and the cluster log of the lab, as the detector writes and the tests read them.

/** The incident row the detector writes on a confirmed failure (node FAILED, incident DETECTED); its id. */
export async function recordFailure(store: Store, scope: TenantScope, seeded: Seeded, nodeId: string): Promise<string> {
  const now = Date.now();
  const incident = await store.transaction(async (repos) => {
    const n = await repos.nodes.lock(scope, nodeId);
    n.status = NodeStatus.FAILED;
    n.statusReason = 'lab: declared failed';
    await repos.nodes.save(scope, n);
    return repos.incidents.create(scope, {
      clusterId: seeded.clusterId,
      nodeId,
      idempotencyKey: `${seeded.clusterId}:${nodeId}:${now}`,
      state: IncidentState.DETECTED,
      source: 'DETECTOR',
      reason: 'lab: no heartbeat, hypervisor unreachable',
      lastSeenAt: new Date(now - 3000),
      declaredAt: new Date(now),
      fencedAt: null,
      finishedAt: null,
      fencing: null,
      detectorToken: '0',
      openedAt: new Date(now),
    });
  });
  return incident.id;
}

/** The cluster log, oldest first, of these types only when given. */
export async function clusterEvents(store: Store, scope: TenantScope, clusterId: string, types?: readonly string[]): Promise<EventEntity[]> {
  const rows = await store.repos.events.find(scope, { clusterId }, { id: 'ASC' });
  return types ? rows.filter((e) => types.includes(e.type)) : rows;
}

/** Waits until the incident is in one of `states`; fails with the cluster log's tail otherwise. */
export async function waitForIncident(store: Store, scope: TenantScope, incidentId: string, states: readonly IncidentState[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await store.repos.incidents.get(scope, incidentId);
    if (states.includes(row.state as IncidentState)) return;
    if (Date.now() > until) {
      const tail = (await clusterEvents(store, scope, row.clusterId)).slice(-25).map((e) => `${e.at.toISOString()} ${e.type} ${e.message ?? ''}`);
      throw new Error(`incident ${incidentId} is ${row.state}, not ${states.join('/')}, after ${timeoutMs} ms; log:\n${tail.join('\n')}`);
    }
    await sleep(100);
  }
}
