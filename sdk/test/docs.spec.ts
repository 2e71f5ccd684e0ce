import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

describe('API reference', () => {
  it('builds with TypeDoc without a warning (typedoc.json treats warnings as errors)', async () => {
    const sdk = join(__dirname, '..');
    const typedoc = join(sdk, '..', 'node_modules', 'typedoc', 'bin', 'typedoc');
    // --emit none: the whole conversion and validation, without writing the site
    await expect(promisify(execFile)(process.execPath, [typedoc, '--emit', 'none'], { cwd: sdk })).resolves.toBeDefined();
  });
});
