import type { ActionKind, ExecutorResult } from './action.types';
import { commandFailed, ExecutionContext, runOptions } from './execution.context';

export interface ApplicationSpec {
  readonly startCommand: string;
  readonly stopCommand: string;
  readonly monitorCommand: string | null;
  readonly user: string | null;
}

/** POSIX user names (runuser's -u takes nothing else); never an option. */
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

export function readApplicationSpec(spec: Readonly<Record<string, unknown>>): ApplicationSpec | string {
  const text = (k: string): string | null => (typeof spec[k] === 'string' && (spec[k] as string).trim() !== '' ? (spec[k] as string) : null);
  const startCommand = text('startCommand');
  const stopCommand = text('stopCommand');
  if (!startCommand || !stopCommand) return 'application.startCommand and application.stopCommand are required';
  const user = text('user');
  if (user !== null && !USER.test(user)) return `application.user ${JSON.stringify(user)} is not a user name of this host (DOMAIN\\user forms are for Windows guests)`;
  return { startCommand, stopCommand, monitorCommand: text('monitorCommand'), user };
}

/**
 * An application driven by its commands, each run with `/bin/sh -c` (as `user` with `runuser -u`
 * when set), with the action's deadline and a fixed environment (PATH, LANG, HOME and
 * HAAAS_RESOURCE_ID / HAAAS_RESOURCE_NAME / HAAAS_ACTION).
 * - start: when the monitor command already exits 0, nothing is started (ALREADY);
 * - stop: a stop command that fails while the monitor says it is not running counts as stopped
 *   (ALREADY), so stopping twice is not an error even with a stop command that is not idempotent;
 * - monitor: exit 0 is healthy; no monitor command is "only started and stopped": healthy.
 */
export async function applicationAction(kind: ActionKind, spec: ApplicationSpec, ctx: ExecutionContext, resource: { id: string; name: string }): Promise<ExecutorResult> {
  const env = { HAAAS_RESOURCE_ID: resource.id, HAAAS_RESOURCE_NAME: resource.name, HAAAS_ACTION: kind };
  const sh = (command: string): string[] => (spec.user ? ['runuser', '-u', spec.user, '--', '/bin/sh', '-c', command] : ['/bin/sh', '-c', command]);
  const as = spec.user ? ` as ${spec.user}` : '';
  const monitor = async (): Promise<{ running: boolean; code: number | null } | null> => {
    if (!spec.monitorCommand) return null;
    const r = await ctx.shell.run(sh(spec.monitorCommand), runOptions(ctx, env));
    return { running: r.code === 0, code: r.code };
  };

  if (kind === 'monitor') {
    const m = await monitor();
    if (!m) return { ok: true, outcome: 'DONE', exitCode: null, detail: 'no monitor command: the application is only started and stopped' };
    return { ok: m.running, outcome: 'DONE', exitCode: m.code, detail: m.running ? 'monitor command exited 0' : `monitor command exited ${m.code ?? 'by a signal'}` };
  }
  if (kind === 'start') {
    const before = await monitor();
    if (before?.running) return { ok: true, outcome: 'ALREADY', exitCode: 0, detail: 'already running (monitor command exited 0): start command not run' };
    const r = await ctx.shell.run(sh(spec.startCommand), runOptions(ctx, env));
    if (r.code !== 0) return commandFailed(`start command${as}`, r, ctx);
    return { ok: true, outcome: 'DONE', exitCode: 0, detail: `start command${as} exited 0` };
  }
  const r = await ctx.shell.run(sh(spec.stopCommand), runOptions(ctx, env));
  if (r.code === 0) return { ok: true, outcome: 'DONE', exitCode: 0, detail: `stop command${as} exited 0` };
  if (!r.timedOut) {
    const after = await monitor();
    if (after && !after.running) return { ok: true, outcome: 'ALREADY', exitCode: r.code, detail: `stop command exited ${r.code ?? 'by a signal'} but the monitor says it is not running: stopped` };
  }
  return commandFailed(`stop command${as}`, r, ctx);
}
