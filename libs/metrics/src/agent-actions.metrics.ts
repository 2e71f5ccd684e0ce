import type { HaaasMetrics } from './haaas.metrics';
import type { AgentAction } from './metric-names';

/** The agent driver a request goes to: its resource's type (IP, APPLICATION, VOLUME; bounded). */
type AgentActionRequest = { readonly resource: { readonly type: string } };
/** A node resource driver (start, stop, monitor through the node agents), structurally. */
export type AgentActionDriver<T, R extends AgentActionRequest, D extends { readonly roundTripMs: number }> = { [A in AgentAction]: (target: T, request: R) => Promise<D> };

/**
 * The same driver, every action's round trip to the node agent recorded, by action, resource type
 * and result (haaas_node_agent_action_round_trip_seconds, haaas_node_agent_actions_total): `ok`
 * with the broker's own round trip, `error` (the agent answered a failure) or `timeout` (no agent
 * answered) with the time until the driver gave up. The composition root wraps the process's one
 * NODE_RESOURCE_DRIVER, so recovery, operations and the service watch are all timed.
 */
export function instrumentAgentActions<T, R extends AgentActionRequest, D extends { readonly roundTripMs: number }>(
  driver: AgentActionDriver<T, R, D>,
  metrics: HaaasMetrics,
): AgentActionDriver<T, R, D> {
  const timed = (action: AgentAction) => async (target: T, request: R): Promise<D> => {
    const t0 = performance.now();
    const type = request.resource.type;
    try {
      const done = await driver[action](target, request);
      metrics.agentAction(action, type, 'ok', done.roundTripMs / 1000);
      return done;
    } catch (err) {
      const unreachable = (err as { kind?: unknown } | null)?.kind === 'AGENT_UNREACHABLE';
      metrics.agentAction(action, type, unreachable ? 'timeout' : 'error', (performance.now() - t0) / 1000);
      throw err;
    }
  };
  return { start: timed('start'), stop: timed('stop'), monitor: timed('monitor') };
}
