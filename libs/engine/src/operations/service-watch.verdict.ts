import { createHash } from 'node:crypto';
import { NodeStatus, placeService, RecoveryAction, restartBudget, serviceFailureAction, ServiceFailureDecision, ServiceState, TenantScope } from '@haaas/domain';
import type { ServiceEntity, Store } from '@haaas/persistence';
import { loadClusterView } from '@haaas/engine-runtime';
import { rejectionSummary } from './service.operations';

/** The service policy fields the watch decides with. */
export type WatchPolicy = Pick<ServiceEntity, 'recoveryAction' | 'maxRestarts' | 'restartWindowSeconds' | 'recentRestarts'>;

/** What the watch does about a service still down on a healthy node. */
export type WatchVerdict =
  | { readonly kind: 'ACT'; readonly decision: ServiceFailureDecision }
  /** Neither restarted in place (budget spent) nor moved (no other node can take it): FAILED, with why. */
  | { readonly kind: 'FAIL'; readonly reason: string; readonly decision: ServiceFailureDecision };

/**
 * The policy's answer (`serviceFailureAction`), checked against the cluster before it is asked
 * for: a relocation no other node can take is not requested (it would fail every pass forever);
 * the service is restarted in place instead while its restart budget allows, else it is FAILED.
 */
export async function watchVerdict(store: Store, scope: TenantScope, clusterId: string, serviceId: string, nodeId: string, policy: WatchPolicy, nowMs: number): Promise<WatchVerdict> {
  const recentRestartsMs = (policy.recentRestarts ?? []).map((t) => Date.parse(t)).filter((t) => Number.isFinite(t));
  const decision = serviceFailureAction(policy, { nodeHealthy: true, recentRestartsMs, nowMs });
  if (decision.action !== RecoveryAction.RELOCATE) return { kind: 'ACT', decision };
  const view = await loadClusterView(store.repos, scope, clusterId);
  const service = view.servicesById.get(serviceId);
  if (!service) return { kind: 'ACT', decision };
  const placement = placeService(view.recoveryService(service), view.placementNodes(), { excludeNodeIds: [nodeId] });
  if (placement.nodeId) return { kind: 'ACT', decision };
  const why = `no other node can take it (${rejectionSummary(placement.reason, placement.rejected, view.nodesById)})`;
  const budget = restartBudget(policy, recentRestartsMs, nowMs);
  if (budget.allowed) {
    return { kind: 'ACT', decision: { action: RecoveryAction.RESTART, reason: `${decision.reason}, but ${why}: restart in place (${budget.reason})`, restartBudget: budget } };
  }
  return { kind: 'FAIL', reason: `${decision.reason}, but ${why}, and ${budget.reason}`.slice(0, 900), decision: { ...decision, restartBudget: budget } };
}

/**
 * What a FAILED service's chances depend on: the nodes that can run services (ONLINE, not in
 * maintenance), the service's policy and its failover domain. The watch tries such a service again
 * only when this changes (a node returns, the policy or domain changes), never every pass.
 */
export async function retrySignature(store: Store, scope: TenantScope, clusterId: string, serviceId: string): Promise<string | null> {
  const [service] = await store.repos.services.select(scope, { id: serviceId }, ['state', 'recoveryAction', 'maxRestarts', 'restartWindowSeconds', 'maxRelocations', 'failoverDomainId', 'antiAffinityGroup', 'priority']);
  if (!service || service.state !== ServiceState.FAILED) return null;
  const nodes = (await store.repos.nodes.select(scope, { clusterId }, ['id', 'status', 'maintenance'])).filter((n) => n.status === NodeStatus.ONLINE && !n.maintenance).map((n) => n.id);
  const domain = service.failoverDomainId ? await store.repos.failoverDomains.findById(scope, service.failoverDomainId) : null;
  const members = domain ? (await store.repos.domainMembers.forDomains(scope, [domain.id])).map((m) => `${m.nodeId}:${m.priority}`).sort() : [];
  const flags = domain ? { ordered: domain.ordered, restricted: domain.restricted, nofailback: domain.nofailback, members } : null;
  const facts = { nodes: nodes.sort(), policy: { ...service, state: undefined }, domain: flags };
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 32);
}
