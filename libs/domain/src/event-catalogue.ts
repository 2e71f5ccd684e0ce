/**
 * The cluster log's event types, in one place: every writer names a key of this catalogue (the
 * compiler refuses any other string), GraphQL lists it (`eventTypes`) and the SDK's event types are
 * generated from it. What each event is about is its `objectType`; `before`/`after` are snapshots of
 * that object (never with secrets), `message` the human-readable line.
 */
export const EVENT_OBJECT_TYPES = ['Cluster', 'Node', 'Service', 'Resource', 'FencingDevice', 'FailoverDomain', 'Incident', 'Operation'] as const;
export type EventObjectType = (typeof EVENT_OBJECT_TYPES)[number];

interface EventTypeInfo {
  readonly objectType: EventObjectType;
  readonly summary: string;
}

export const EVENT_CATALOGUE = {
  'cluster.created': { objectType: 'Cluster', summary: 'A cluster was created.' },
  'cluster.updated': { objectType: 'Cluster', summary: 'Its settings (name, policy, HA, heartbeat source …) changed.' },
  'cluster.attributes_changed': { objectType: 'Cluster', summary: 'Its user attributes changed.' },
  'cluster.quorum_lost': { objectType: 'Cluster', summary: 'Fewer than a quorum of votes is alive: no fencing, no recovery.' },
  'cluster.quorum_regained': { objectType: 'Cluster', summary: 'A quorum of votes is alive again.' },
  'cluster.started': { objectType: 'Cluster', summary: 'The cluster was started (its HA services brought up).' },
  'cluster.stopped': { objectType: 'Cluster', summary: 'The cluster was stopped (its services brought down).' },
  'cluster.suspended': { objectType: 'Cluster', summary: 'HA was suspended: failures are logged, nothing is recovered.' },
  'cluster.resumed': { objectType: 'Cluster', summary: 'HA was resumed.' },

  'node.joined': { objectType: 'Node', summary: 'A node was added to the cluster.' },
  'node.updated': { objectType: 'Node', summary: 'Its settings changed.' },
  'node.attributes_changed': { objectType: 'Node', summary: 'Its user attributes changed.' },
  'node.maintenance_changed': { objectType: 'Node', summary: 'It went into or out of maintenance.' },
  'node.left': { objectType: 'Node', summary: 'It was removed from the cluster.' },
  'node.probed': { objectType: 'Node', summary: 'Its hypervisor was probed on request.' },
  'node.status_changed': { objectType: 'Node', summary: 'Its liveness status changed (ONLINE, SUSPECT, isolated, OFFLINE …).' },
  'node.failure_reported': { objectType: 'Node', summary: 'Somebody reported it failed (checked before anything is done).' },
  'node.failure_report_checked': { objectType: 'Node', summary: 'A failure report was checked against the heartbeats.' },
  'node.failed': { objectType: 'Node', summary: 'It was declared failed: an incident opens.' },
  'node.fenced': { objectType: 'Node', summary: 'It was fenced off (or confirmed fenced by an operator).' },
  'node.agent_token_issued': { objectType: 'Node', summary: 'Its agent got a token (only a fingerprint is logged).' },
  'node.agent_token_rotated': { objectType: 'Node', summary: "Its agent's token was replaced; the old one no longer works." },
  'node.agent_token_revoked': { objectType: 'Node', summary: "Its agent's token was revoked: no token authenticates its agent until one is issued." },

  'incident.opened': { objectType: 'Incident', summary: 'Recovery of a failed node began.' },
  'incident.failed_again': { objectType: 'Incident', summary: 'A recovered node failed again: its incident reopens.' },
  'incident.plan': { objectType: 'Incident', summary: 'The recovery plan: which service goes where, in priority order.' },
  'incident.fencing_started': { objectType: 'Incident', summary: 'Fencing began, level by level.' },
  'incident.fence_attempt': { objectType: 'Incident', summary: 'One fencing device answered (off, or failed with why).' },
  'incident.awaiting_operator': { objectType: 'Incident', summary: 'It waits for an operator (no quorum, or every fence failed).' },
  'incident.operator_action': { objectType: 'Incident', summary: 'An operator confirmed, retried or cancelled.' },
  'incident.recovery_started': { objectType: 'Incident', summary: 'The node is fenced off: its services are being restarted elsewhere.' },
  'incident.recovered': { objectType: 'Incident', summary: 'Closed: every service recovered.' },
  'incident.partially_recovered': { objectType: 'Incident', summary: 'Closed: some services could not be recovered.' },
  'incident.failed': { objectType: 'Incident', summary: 'Closed: nothing could be recovered.' },
  'incident.cancelled': { objectType: 'Incident', summary: 'Closed by an operator.' },

  'service.created': { objectType: 'Service', summary: 'A service was created.' },
  'service.destroyed': { objectType: 'Service', summary: 'A service was deleted.' },
  'service.attributes_changed': { objectType: 'Service', summary: 'Its user attributes changed.' },
  'service.policy_updated': { objectType: 'Service', summary: 'Its HA policy changed.' },
  'service.resource_added': { objectType: 'Service', summary: 'A resource joined the service.' },
  'service.resource_removed': { objectType: 'Service', summary: 'A resource left the service.' },
  'service.node_cleared': { objectType: 'Service', summary: 'Its node left the cluster: it is placed nowhere.' },
  'service.starting': { objectType: 'Service', summary: 'Its resources are being started.' },
  'service.started': { objectType: 'Service', summary: 'It runs.' },
  'service.start_failed': { objectType: 'Service', summary: 'A start failed (retried or given up by its policy).' },
  'service.stopping': { objectType: 'Service', summary: 'Its resources are being stopped.' },
  'service.stopped': { objectType: 'Service', summary: 'It is stopped.' },
  'service.failed': { objectType: 'Service', summary: 'It is FAILED: the reason says why.' },
  'service.failure_detected': { objectType: 'Service', summary: 'Its watch found it not running where it should.' },
  'service.recovery_waiting': { objectType: 'Service', summary: 'Recovery waits (no candidate yet, budget, liveness).' },
  'service.retry_on_change': { objectType: 'Service', summary: 'Recovery will retry when the cluster changes.' },
  'service.claim_taken_over': { objectType: 'Service', summary: 'Another operation took over its claim.' },
  'service.failback_scheduled': { objectType: 'Service', summary: 'A move back to its preferred node is scheduled.' },
  'service.recovery_pending': { objectType: 'Service', summary: 'It waits its turn in the recovery (priority order, budget).' },
  'service.recovery_skipped': { objectType: 'Service', summary: 'Recovery leaves it alone (not HA, or not down).' },
  'service.recovery_started': { objectType: 'Service', summary: 'Its restart on a survivor began.' },
  'service.placed': { objectType: 'Service', summary: 'A survivor was chosen for it.' },
  'service.retry_started': { objectType: 'Service', summary: 'Its restart is tried again.' },
  'service.recovered': { objectType: 'Service', summary: 'It runs again on a survivor.' },
  'service.recovery_failed': { objectType: 'Service', summary: 'It could not be recovered: the message says why.' },
  'service.recovery_cancelled': { objectType: 'Service', summary: 'Its recovery was cancelled by an operator.' },

  'resource.created': { objectType: 'Resource', summary: 'A resource was created.' },
  'resource.updated': { objectType: 'Resource', summary: 'Its settings changed.' },
  'resource.attributes_changed': { objectType: 'Resource', summary: 'Its user attributes changed.' },
  'resource.destroyed': { objectType: 'Resource', summary: 'A resource was deleted.' },
  'resource.placed': { objectType: 'Resource', summary: 'Recorded on its target before its start (write-ahead).' },
  'resource.started': { objectType: 'Resource', summary: 'It was started (or found already running) on a node.' },
  'resource.stopped': { objectType: 'Resource', summary: 'It was stopped on a node.' },

  'fencing_device.added': { objectType: 'FencingDevice', summary: 'A fencing device was added.' },
  'fencing_device.options_changed': { objectType: 'FencingDevice', summary: 'Its options changed (secrets never shown).' },
  'fencing_device.associated': { objectType: 'FencingDevice', summary: 'It now fences a node (at a level).' },
  'fencing_device.deassociated': { objectType: 'FencingDevice', summary: 'It no longer fences a node.' },
  'fencing_device.tested': { objectType: 'FencingDevice', summary: 'It was tested (status read, nothing powered).' },
  'fencing_device.deleted': { objectType: 'FencingDevice', summary: 'A fencing device was deleted.' },

  'failover_domain.created': { objectType: 'FailoverDomain', summary: 'A failover domain was created.' },
  'failover_domain.updated': { objectType: 'FailoverDomain', summary: 'Its settings changed.' },
  'failover_domain.members_changed': { objectType: 'FailoverDomain', summary: 'Its members or their priorities changed.' },
  'failover_domain.deleted': { objectType: 'FailoverDomain', summary: 'A failover domain was deleted.' },

  'operation.requested': { objectType: 'Operation', summary: 'An operation (start, stop, relocate …) was requested.' },
  'operation.started': { objectType: 'Operation', summary: 'A worker began it.' },
  'operation.resumed': { objectType: 'Operation', summary: 'A worker resumed it after a crash or a retry.' },
  'operation.step_started': { objectType: 'Operation', summary: 'One of its steps began.' },
  'operation.step_succeeded': { objectType: 'Operation', summary: 'One of its steps succeeded.' },
  'operation.step_skipped': { objectType: 'Operation', summary: 'One of its steps was not needed.' },
  'operation.step_failed': { objectType: 'Operation', summary: 'One of its steps failed.' },
  'operation.attempt_failed': { objectType: 'Operation', summary: 'An attempt failed; it will be retried.' },
  'operation.succeeded': { objectType: 'Operation', summary: 'It succeeded.' },
  'operation.failed': { objectType: 'Operation', summary: 'It failed: the message says why.' },
} as const satisfies Record<string, EventTypeInfo>;

export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as readonly EventType[];

export function isEventType(s: string): s is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOGUE, s);
}

/** The event types about objects of type `O` (what a writer of, say, Incident events may name). */
export type EventTypeOf<O extends EventObjectType> = { [T in EventType]: (typeof EVENT_CATALOGUE)[T]['objectType'] extends O ? T : never }[EventType];
