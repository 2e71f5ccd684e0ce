// A ratchet on file length (issue 13: no file over 400 lines outside generated code and test
// servers). Files already longer are listed with the length they may not exceed; a listed file that
// got short enough must leave the list, so the list only shrinks. `npm test` runs it before jest.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const MAX_LINES = 400;

/** Generated code and the test servers that stand in for real peers (one protocol each, long by nature). */
const EXEMPT = [/(^|\/)generated\//, /\.d\.ts$/, /(^|\/)testing\/[^/]+\.server\.ts$/, /(^|\/)testing\/[^/]+\.peer\.ts$/];

/** Known long files and their ceiling, until they are split: none left (issue 13); a new entry needs a reason. */
export const OVERSIZED: Readonly<Record<string, number>> = {};

export interface SizeProblem {
  readonly file: string;
  readonly lines: number;
  readonly problem: string;
}

export function checkSizes(files: ReadonlyMap<string, number>, oversized: Readonly<Record<string, number>> = OVERSIZED): SizeProblem[] {
  const problems: SizeProblem[] = [];
  for (const [file, lines] of files) {
    if (EXEMPT.some((re) => re.test(file))) continue;
    const ceiling = oversized[file];
    if (ceiling === undefined && lines > MAX_LINES) problems.push({ file, lines, problem: `over ${MAX_LINES} lines: split it into units of one concern` });
    else if (ceiling !== undefined && lines > ceiling) problems.push({ file, lines, problem: `grew past its ceiling of ${ceiling} lines (it is to be split, not grown)` });
    else if (ceiling !== undefined && lines <= MAX_LINES) problems.push({ file, lines, problem: `now ${lines} lines: take it off OVERSIZED in tools/checks/file-sizes.ts` });
  }
  for (const file of Object.keys(oversized)) if (!files.has(file)) problems.push({ file, lines: 0, problem: 'listed in OVERSIZED but gone: take it off the list' });
  return problems;
}

/** The tracked source files (TypeScript and JavaScript) and their line counts. */
export function trackedSources(root: string): Map<string, number> {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.mts', '*.cts', '*.js', '*.mjs', '*.cjs'], { cwd: root, encoding: 'utf8' });
  const files = new Map<string, number>();
  for (const file of out.split('\0').filter(Boolean)) {
    const text = readFileSync(resolve(root, file), 'utf8');
    files.set(file, text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0));
  }
  return files;
}

if (process.argv[1] === __filename) {
  const problems = checkSizes(trackedSources(resolve(__dirname, '..', '..')));
  for (const p of problems) process.stderr.write(`${p.file} (${p.lines}): ${p.problem}\n`);
  if (problems.length > 0) process.exitCode = 1;
  else process.stdout.write(`file sizes: none over ${MAX_LINES} lines but the ${Object.keys(OVERSIZED).length} listed, none grown\n`);
}
