import type { ActionResourceType, ActionResult, AgentAction, ExecutorResult } from './action.types';
import { applicationAction, readApplicationSpec } from './application.executor';
import { HostShell, Namespaces } from './command.runner';
import type { ExecutionContext } from './execution.context';
import { ipAction, readIpSpec } from './ip.executor';
import { cleanStderr, oneLine } from './output.redact';
import { readVolumeSpec, volumeAction } from './volume.executor';

export interface ExecutorOptions {
  /** Resource types this agent carries out; others are answered DISABLED. */
  readonly types: readonly ActionResourceType[];
  /** Namespaces the actions run in (nsenter); none: the host's. */
  readonly namespaces?: Namespaces;
  /** The agent's secrets (its token): removed from whatever is reported. */
  readonly secrets?: () => readonly string[];
}

/**
 * Carries out one action within its deadline and always answers with a result: a failure of the
 * action, of its spec or of the agent itself is a FAILED result, never an exception, so the
 * engine learns why instead of waiting out its deadline.
 */
export class ActionExecutor {
  private readonly shell: HostShell;

  constructor(private readonly options: ExecutorOptions) {
    this.shell = new HostShell(options.namespaces ?? {});
  }

  async execute(action: AgentAction, signal?: AbortSignal): Promise<ActionResult> {
    const started = Date.now();
    const secrets = this.options.secrets?.() ?? [];
    let result: ExecutorResult;
    try {
      result = await this.run(action, { shell: this.shell, deadline: started + action.timeoutMs, ...(signal ? { signal } : {}), secrets });
    } catch (err) {
      result = { ok: false, outcome: 'FAILED', exitCode: null, detail: `the agent could not carry out the action: ${err instanceof Error ? err.message : String(err)}` };
    }
    return {
      ...result,
      detail: oneLine(result.detail, secrets),
      ...(result.stderr !== undefined ? { stderr: cleanStderr(result.stderr, secrets) } : {}),
      latencyMs: Date.now() - started,
    };
  }

  private async run(action: AgentAction, ctx: ExecutionContext): Promise<ExecutorResult> {
    const { type, spec } = action.resource;
    if (!this.options.types.includes(type)) {
      return { ok: false, outcome: 'DISABLED', exitCode: null, detail: `${type} actions are disabled on this agent (actions.types in its configuration)` };
    }
    if (action.timeoutMs <= 0) return { ok: false, outcome: 'TIMED_OUT', exitCode: null, detail: 'no time left for the action' };
    const invalid = (why: string): ExecutorResult => ({ ok: false, outcome: 'FAILED', exitCode: null, detail: `invalid ${type} resource: ${why}` });
    switch (type) {
      case 'IP': {
        const s = readIpSpec(spec);
        return typeof s === 'string' ? invalid(s) : ipAction(action.kind, s, ctx);
      }
      case 'APPLICATION': {
        const s = readApplicationSpec(spec);
        return typeof s === 'string' ? invalid(s) : applicationAction(action.kind, s, ctx, action.resource);
      }
      case 'VOLUME': {
        const s = readVolumeSpec(spec);
        return typeof s === 'string' ? invalid(s) : volumeAction(action.kind, s, ctx);
      }
      default:
        return { ok: false, outcome: 'FAILED', exitCode: null, detail: `this agent does not know ${String(type)} resources` };
    }
  }
}
