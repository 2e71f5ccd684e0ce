import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');

describe('generated code', () => {
  it('is what codegen makes of apps/api/schema.graphql and src/operations now (else: `npm run codegen` in sdk/)', async () => {
    // regenerates in memory in a child process and compares with the committed file
    const run = promisify(execFile)(process.execPath, [join(root, 'tools', 'run.js'), join(root, 'sdk', 'scripts', 'codegen.ts'), '--check'], { cwd: root });
    await expect(run).resolves.toMatchObject({ stdout: expect.stringContaining('is up to date') });
  });
});
