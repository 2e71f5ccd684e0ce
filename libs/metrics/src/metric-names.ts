/**
 * Every metric HAaaS exports, in one place (the alert rules, the Grafana dashboard and the docs name
 * these; a spec checks they all exist in the registry). Prometheus conventions: the `haaas_` prefix,
 * base units (seconds), `_total` on counters.
 */
export const METRIC = {
  httpRequests: 'haaas_http_requests_total',
  httpDuration: 'haaas_http_request_duration_seconds',
  graphqlRequests: 'haaas_graphql_requests_total',
  graphqlDuration: 'haaas_graphql_request_duration_seconds',
  heartbeats: 'haaas_heartbeats_total',
  nodes: 'haaas_nodes',
  incidents: 'haaas_incidents',
  incidentsOpened: 'haaas_incidents_opened_total',
  incidentsClosed: 'haaas_incidents_closed_total',
  incidentsAwaitingOperator: 'haaas_incidents_awaiting_operator_total',
  clusterEvents: 'haaas_cluster_events_total',
  detectorPasses: 'haaas_detector_passes_total',
  detectorPassDuration: 'haaas_detector_pass_duration_seconds',
  detectorLastPass: 'haaas_detector_last_pass_timestamp_seconds',
  detectorLeading: 'haaas_detector_leading',
  fenceAttempts: 'haaas_fence_attempts_total',
  fenceDuration: 'haaas_fence_duration_seconds',
  serviceRecoveries: 'haaas_service_recoveries_total',
  recoveryDuration: 'haaas_recovery_duration_seconds',
  timeToRecover: 'haaas_time_to_recover_seconds',
  rtoMisses: 'haaas_rto_misses_total',
  queueJobs: 'haaas_queue_jobs',
  queueStalled: 'haaas_queue_jobs_stalled_total',
  hypervisorCalls: 'haaas_hypervisor_calls_total',
  hypervisorCallDuration: 'haaas_hypervisor_call_duration_seconds',
  agentActions: 'haaas_agent_actions_total',
  agentActionRoundTrip: 'haaas_agent_action_round_trip_seconds',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Values of the bounded labels, typed here so no caller invents a new one. */
export type HeartbeatResult = 'accepted' | 'rejected';
export type CallResult = 'ok' | 'error';
export type QueueJobState = 'waiting' | 'active' | 'failed' | 'delayed' | 'prioritized' | 'waiting-children';
export const QUEUE_JOB_STATES: readonly QueueJobState[] = ['waiting', 'active', 'failed', 'delayed', 'prioritized', 'waiting-children'];
