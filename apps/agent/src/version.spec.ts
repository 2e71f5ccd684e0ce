import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_VERSION } from './version';

describe('AGENT_VERSION', () => {
  it('is the version of apps/agent/package.json (the bundle and the sources report the same)', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(AGENT_VERSION).toBe(pkg.version);
  });
});
