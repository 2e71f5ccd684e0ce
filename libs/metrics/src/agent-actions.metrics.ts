import type { HaaasMetrics } from './haaas.metrics';

type Action = 'start' | 'stop' | 'monitor';
/** A node resource driver (start, stop, monitor through the node agents), structurally. */
export type AgentActionDriver<T, R, D extends { readonly roundTripMs: number }> = { [A in Action]: (target: T, request: R) => Promise<D> };

/**
 * The same driver, each action's round trip to the node agent recorded (haaas_agent_action_round_trip_seconds
 * by action; haaas_agent_actions_total by result: ok, error, or timeout when no agent answered).
 */
export function instrumentAgentActions<T, R, D extends { readonly roundTripMs: number }>(driver: AgentActionDriver<T, R, D>, metrics: HaaasMetrics): AgentActionDriver<T, R, D> {
  const timed = (action: Action) => async (target: T, request: R): Promise<D> => {
    const t0 = performance.now();
    try {
      const done = await driver[action](target, request);
      metrics.agentAction(action, 'ok', done.roundTripMs / 1000);
      return done;
    } catch (err) {
      const unreachable = (err as { kind?: unknown } | null)?.kind === 'AGENT_UNREACHABLE';
      metrics.agentAction(action, unreachable ? 'timeout' : 'error', (performance.now() - t0) / 1000);
      throw err;
    }
  };
  return { start: timed('start'), stop: timed('stop'), monitor: timed('monitor') };
}
