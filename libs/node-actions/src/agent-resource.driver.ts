import { NodeActionBroker } from './node-action.broker';
import { NodeActionKind, NodeResourceDone, NodeResourceDriver, NodeResourceError } from './node-action.types';
import type { AgentTarget, NodeResourceRequest } from './node-action.types';

/**
 * NodeResourceDriver through the node agents: the action goes to the agent of the target node
 * (NodeActionBroker) and the driver waits for its result within the request's deadline.
 * No answer in time is AGENT_UNREACHABLE (retryable: the agent may be restarting); an answer
 * that is not a success is ACTION_FAILED, retryable only when the action ran out of time.
 */
export class AgentNodeResourceDriver implements NodeResourceDriver {
  constructor(private readonly broker: NodeActionBroker) {}

  start(target: AgentTarget, request: NodeResourceRequest): Promise<NodeResourceDone> {
    return this.run('start', target, request);
  }

  stop(target: AgentTarget, request: NodeResourceRequest): Promise<NodeResourceDone> {
    return this.run('stop', target, request);
  }

  async monitor(target: AgentTarget, request: NodeResourceRequest): Promise<NodeResourceDone> {
    return this.run('monitor', target, request);
  }

  private async run(kind: NodeActionKind, target: AgentTarget, request: NodeResourceRequest): Promise<NodeResourceDone> {
    const { resource, timeoutMs, signal } = request;
    const answer = await this.broker.dispatch({ tenantId: target.scope.tenantId, nodeId: target.nodeId }, { kind, resource }, timeoutMs, signal);
    const what = `${resource.type} ${resource.name}`;
    if (answer.result === null) {
      const seconds = Math.round(timeoutMs / 100) / 10;
      const why = answer.pickedUp
        ? `the node agent of ${target.hostname} took the ${kind} of ${what} but reported no result within ${seconds} s`
        : `the node agent of ${target.hostname} did not take the ${kind} of ${what} within ${seconds} s (agent down, or not polling for actions)`;
      throw new NodeResourceError('AGENT_UNREACHABLE', why, true);
    }
    const result = answer.result;
    // a monitor that answers is a success whatever it found: `ok` is the health
    if (kind === 'monitor' && result.outcome !== 'TIMED_OUT' && result.outcome !== 'DISABLED') return { ...result, roundTripMs: answer.roundTripMs };
    if (!result.ok) {
      const code = result.exitCode !== null ? ` (exit code ${result.exitCode})` : '';
      const stderr = result.stderr ? `; stderr: ${result.stderr.replace(/\s+/g, ' ').trim().slice(-300)}` : '';
      throw new NodeResourceError('ACTION_FAILED', `${kind} of ${what} on ${target.hostname} ${result.outcome === 'TIMED_OUT' ? 'timed out' : 'failed'}${code}: ${result.detail}${stderr}`, result.outcome === 'TIMED_OUT', result);
    }
    return { ...result, roundTripMs: answer.roundTripMs };
  }
}
