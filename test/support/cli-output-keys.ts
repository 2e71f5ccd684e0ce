import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The json/yaml keys of one object of the `haaas` CLI, as apps/cli/README.md documents them. */
export interface DocumentedKeys {
  readonly list: readonly string[];
  readonly show: readonly string[];
}

const README = join(__dirname, '..', '..', 'apps', 'cli', 'README.md');

/**
 * The table between `<!-- cli-output-keys:begin -->` and `:end` in apps/cli/README.md, by object
 * (`cluster`, `failover domain`, `tenant, quota`, ...): the one spec that both the CLI's views
 * (apps/cli/src/views.spec.ts) and its real output (test/e2e/cli.e2e-spec.ts) are checked against.
 */
export function documentedCliKeys(): ReadonlyMap<string, DocumentedKeys> {
  const text = readFileSync(README, 'utf8');
  const block = /<!-- cli-output-keys:begin -->\n([\s\S]*?)<!-- cli-output-keys:end -->/.exec(text)?.[1];
  if (!block) throw new Error(`${README}: no cli-output-keys block`);
  const keys = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  const objects = new Map<string, DocumentedKeys>();
  for (const line of block.split('\n').slice(2)) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 3) continue;
    const [object, list, show] = cells as [string, string, string];
    objects.set(object.replace(/`/g, ''), { list: keys(list), show: keys(show) });
  }
  return objects;
}
