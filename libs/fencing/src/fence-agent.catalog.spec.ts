import { chmodSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { C_AGENT_XML } from './agent-metadata.fixtures';
import { FenceAgentCatalog } from './fence-agent.catalog';
import { isFenceError } from './fence.errors';

// A scripted agent that counts its metadata calls and takes 150 ms to answer.
const FAKE = `#!/bin/sh
d=$(dirname "$0")
echo x >> "$d/calls"
sleep 0.15
cat "$d/meta.xml"
`;

describe('FenceAgentCatalog (scripted agents)', () => {
  let dir: string;
  const calls = (): number => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').length;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'haaas-catalog-'));
    writeFileSync(join(dir, 'meta.xml'), C_AGENT_XML);
    for (const name of ['fence_cdemo', 'fence_virtd', 'fence_ack_manual']) {
      writeFileSync(join(dir, name), FAKE);
      chmodSync(join(dir, name), 0o755);
    }
    writeFileSync(join(dir, 'fence_notexec'), FAKE);
    writeFileSync(join(dir, 'fence_Bad-Name'), FAKE, { mode: 0o755 });
    writeFileSync(join(dir, 'calls'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists executable agents with valid names, helpers excluded', async () => {
    expect(await new FenceAgentCatalog({ agentsDir: dir }).listAgents()).toEqual(['fence_cdemo']);
    expect(await new FenceAgentCatalog({ agentsDir: join(dir, 'missing') }).listAgents()).toEqual([]);
  });

  it('runs the agent once for concurrent callers, then serves the cache until the file changes', async () => {
    const catalog = new FenceAgentCatalog({ agentsDir: dir });
    const [a, b] = await Promise.all([catalog.describe('fence_cdemo'), catalog.describe('fence_cdemo')]);
    expect(a).toBe(b);
    expect(a.name).toBe('fence_cdemo');
    await catalog.describe('fence_cdemo');
    expect(calls()).toBe(1);

    // a package upgrade replaces the file: the metadata is read again
    writeFileSync(join(dir, 'meta.xml'), C_AGENT_XML.replace('Fence agent for virtual machines', 'Upgraded'));
    writeFileSync(join(dir, 'fence_cdemo'), `${FAKE}\n`);
    utimesSync(join(dir, 'fence_cdemo'), new Date(), new Date(Date.now() + 5000));
    expect((await catalog.describe('fence_cdemo')).shortdesc).toBe('Upgraded');
    expect(calls()).toBe(2);
  });

  it('a caller that gives up does not spoil the read for the others', async () => {
    const catalog = new FenceAgentCatalog({ agentsDir: dir });
    const controller = new AbortController();
    const impatient = catalog.describe('fence_cdemo', controller.signal);
    const patient = catalog.describe('fence_cdemo');
    controller.abort();
    await expect(impatient).rejects.toMatchObject({ kind: 'TIMEOUT' });
    expect((await patient).name).toBe('fence_cdemo');
    expect(calls()).toBe(1);
  });

  it('refuses helpers and unknown names as BAD_CONFIG without running them', async () => {
    const catalog = new FenceAgentCatalog({ agentsDir: dir });
    for (const agent of ['fence_virtd', 'fence_ack_manual', 'fence_notexec', 'fence_nope', 'fence_Bad-Name', '../fence_cdemo']) {
      const error = await catalog.describe(agent).catch((e: unknown) => e);
      expect(isFenceError(error, 'BAD_CONFIG')).toBe(true);
    }
    expect(readFileSync(join(dir, 'calls'), 'utf8')).toBe('');
  });

  it('reports an agent whose metadata is not XML, and does not cache the failure', async () => {
    writeFileSync(join(dir, 'meta.xml'), 'Usage: fence_cdemo [options]');
    const catalog = new FenceAgentCatalog({ agentsDir: dir });
    await expect(catalog.describe('fence_cdemo')).rejects.toMatchObject({ kind: 'FAILED', message: expect.stringMatching(/^fence_cdemo: agent metadata/) });
    writeFileSync(join(dir, 'meta.xml'), C_AGENT_XML);
    expect((await catalog.describe('fence_cdemo')).name).toBe('fence_cdemo');
  });
});
