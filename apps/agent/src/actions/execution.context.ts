import type { ExecutorResult } from './action.types';
import { CommandOptions, CommandResult, describeFailure, HostShell } from './command.runner';
import { cleanStderr } from './output.redact';

export interface ExecutionContext {
  readonly shell: HostShell;
  /** Absolute deadline (Date.now() ms). */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** Secrets to remove from what is reported (the agent's token). */
  readonly secrets: readonly string[];
}

/** Time left until the action's deadline (ms). */
export function remaining(ctx: ExecutionContext): number {
  return Math.max(0, ctx.deadline - Date.now());
}

/** A command's options within the action's deadline, with extra environment. */
export function runOptions(ctx: ExecutionContext, env?: Readonly<Record<string, string>>): CommandOptions {
  return { timeoutMs: remaining(ctx), ...(ctx.signal ? { signal: ctx.signal } : {}), ...(env ? { env } : {}) };
}

/** A command that failed, as the action's result: its exit code, what it said, its stderr. */
export function commandFailed(what: string, r: CommandResult, ctx: ExecutionContext): ExecutorResult {
  return {
    ok: false,
    outcome: r.timedOut ? 'TIMED_OUT' : 'FAILED',
    exitCode: r.code,
    detail: `${what}: ${describeFailure(r)}`,
    ...(r.stderr.trim() ? { stderr: cleanStderr(r.stderr, ctx.secrets) } : {}),
  };
}

