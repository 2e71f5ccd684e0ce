import type { Argv, CommandModule } from 'yargs';
import type { Ctx } from '../context';

/** A leaf command: its positional/option builder and an async handler given the context. */
export type Leaf = {
  readonly command: string;
  readonly describe: string;
  readonly builder?: (y: Argv) => Argv;
  readonly run: (ctx: Ctx, args: Record<string, unknown>) => Promise<void>;
};

/** Set by main before parsing: the handlers need the I/O it owns. */
export type CtxFactory = (args: Record<string, unknown>) => Ctx;

/** `haaas <object> <verb>`: an object's verbs as one yargs command (nested for two-word objects). */
export function group(name: string, describe: string, leaves: readonly (Leaf | CommandModule)[], ctxOf: CtxFactory): CommandModule {
  return {
    command: name,
    describe,
    builder: (y) => {
      for (const leaf of leaves) {
        if ('run' in leaf) {
          const l = leaf;
          y.command({ command: l.command, describe: l.describe, builder: l.builder ?? ((b) => b), handler: (args) => l.run(ctxOf(args), args) });
        } else y.command(leaf);
      }
      return y.demandCommand(1, `${name}: give a command (${leaves.map((l) => String(l.command).split(' ')[0]).join(', ')})`);
    },
    handler: () => undefined,
  };
}

/** --wait and --timeout of the actions. */
export function waitOptions(y: Argv): Argv {
  return y
    .option('wait', { type: 'boolean', default: false, describe: 'wait until the operation ends, showing its progress' })
    .option('timeout', { type: 'number', default: 900, describe: 'with --wait: give up waiting after this many seconds (the operation goes on)' });
}

export const str = (args: Record<string, unknown>, key: string): string => String(args[key]);
export const opt = (args: Record<string, unknown>, key: string): string | undefined => (args[key] === undefined ? undefined : String(args[key]));

/** Rows of a paginated list, at most `limit` (0: all). */
export async function take<T>(items: AsyncIterable<T>, limit: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

export function limitOption(y: Argv): Argv {
  return y.option('limit', { type: 'number', default: 0, describe: 'at most this many rows (0: all)' });
}

/** Bad usage found by a handler (exit code 2). */
export class UsageError extends Error {}

/** `KEY=VALUE` of --property and --option. */
export function keyValue(s: string): { key: string; value: string } {
  const at = s.indexOf('=');
  if (at <= 0) throw new UsageError(`${s}: expected KEY=VALUE`);
  return { key: s.slice(0, at), value: s.slice(at + 1) };
}

/** A repeatable KEY=VALUE option as pairs. */
export function pairs(args: Record<string, unknown>, key: string): { key: string; value: string }[] {
  return ((args[key] as string[] | undefined) ?? []).map(keyValue);
}
