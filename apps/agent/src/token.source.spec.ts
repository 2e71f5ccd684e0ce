import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentLogger } from './agent.logger';
import { fingerprint, TokenSource } from './token.source';

const TOKEN = 'hna_acme.0192f3a4-5b6c-7d8e-9f01-23456789abcd.' + 'S'.repeat(43);
const ROTATED = 'hna_acme.0192f3a4-5b6c-7d8e-9f01-23456789abcd.' + 'R'.repeat(43);

describe('TokenSource', () => {
  let dir: string;
  let file: string;
  let lines: string[];
  let logger: AgentLogger;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-token-'));
    file = join(dir, 'token');
    lines = [];
    logger = new AgentLogger((l) => lines.push(l));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the token file (0600), logs its fingerprint only, and reads it again after reload()', async () => {
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const source = new TokenSource({ tokenFile: file }, logger);
    expect(await source.get()).toBe(TOKEN);
    writeFileSync(file, ROTATED, { mode: 0o600 });
    expect(await source.get()).toBe(TOKEN);
    source.reload();
    expect(await source.get()).toBe(ROTATED);
    expect(lines.join('\n')).toContain(fingerprint(TOKEN));
    expect(lines.join('\n')).toContain(fingerprint(ROTATED));
    logger.error(`something quoted ${TOKEN} and ${ROTATED}`);
    const all = lines.join('\n');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(ROTATED);
    expect(all).toContain('[redacted]');
  });

  it('refuses a token file that group or others can read, saying how to fix it', async () => {
    writeFileSync(file, TOKEN);
    chmodSync(file, 0o640);
    await expect(new TokenSource({ tokenFile: file }, logger).get()).rejects.toThrow(`mode 0640; it must be readable by its owner only: chmod 600 ${file}`);
  });

  it('says when the file is missing or holds something else', async () => {
    await expect(new TokenSource({ tokenFile: file }, logger).get()).rejects.toThrow(/cannot read token file .*: ENOENT/);
    writeFileSync(file, 'eyJhbGciOi...', { mode: 0o600 });
    await expect(new TokenSource({ tokenFile: file }, logger).get()).rejects.toThrow(/does not hold a node agent token/);
  });
});
