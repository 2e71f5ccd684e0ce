// Small units (GUIDE: functions about 60 lines): eslint.config.mjs's max-lines-per-function refuses
// a longer function in apps/ and libs/ unless an eslint-disable comment next to it says why.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const RULE = 'max-lines-per-function';

/** The eslint CLI on `code` as if it were `file`: the messages of the rule. */
function lengthErrors(file: string, code: string): string[] {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'eslint'), ['--format', 'json', '--stdin', '--stdin-filename', join(root, file)], { cwd: root, input: code, encoding: 'utf8' });
  const results = JSON.parse(r.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return results.flatMap((x) => x.messages).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

function fn(lines: number, before = ''): string {
  const body = Array.from({ length: lines }, (_, i) => `  total += ${i};`).join('\n');
  return `${before}export function long(): number {\n  let total = 0;\n${body}\n  return total;\n}\n`;
}

describe('function length', () => {
  it('refuses a function over 60 lines in a library', () => {
    expect(lengthErrors('libs/recovery/src/long.fixture.ts', fn(57))).toEqual([expect.stringContaining('has too many lines (61). Maximum allowed is 60')]);
  });

  it('accepts a longer one whose comment says why', () => {
    expect(lengthErrors('libs/recovery/src/long.fixture.ts', fn(80, '// eslint-disable-next-line max-lines-per-function -- a state machine, one case per event\n'))).toEqual([]);
  });

  it('leaves tests alone', () => {
    expect(lengthErrors('libs/recovery/src/long.spec.ts', fn(80))).toEqual([]);
  });
});
