// The engine libraries' boundary rules (eslint.config.mjs, ADR 0001) refuse a bad import: linted
// as if the code sat in a file of the library named, with the workspace's own configuration.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const RULE = '@nx/enforce-module-boundaries';
// Nx's graph goes to a directory of this test's own: a graph left in .nx/ would switch the rule on
// for `npm test`'s own `eslint .` next time, which finds older errors outside the engine (tools/README.md)
const graphDir = mkdtempSync(join(tmpdir(), 'haaas-nx-graph-'));
const env = { ...process.env, NX_WORKSPACE_DATA_DIRECTORY: graphDir, NX_DAEMON: 'false' };

interface LintMessage {
  readonly ruleId: string | null;
  readonly message: string;
}

/** The messages of `rules` when eslint lints `code` as if it were `file` (jest's module loader cannot load eslint.config.mjs itself). */
async function lintErrors(file: string, code: string, rules: readonly string[]): Promise<string[]> {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'eslint'), ['--format', 'json', '--stdin', '--stdin-filename', join(root, file)], { cwd: root, env, input: code, encoding: 'utf8' });
  const results = JSON.parse(r.stdout) as { messages: LintMessage[] }[];
  return results.flatMap((x) => x.messages).filter((m) => (m.ruleId !== null && rules.includes(m.ruleId)) || m.message.includes('ProjectGraph')).map((m) => m.message);
}

function boundaryErrors(file: string, code: string): Promise<string[]> {
  return lintErrors(file, code, [RULE]);
}

describe('engine library boundaries', () => {
  beforeAll(() => {
    // the rule reads Nx's cached project graph and skips itself without one (a clean clone)
    execFileSync(join(root, 'node_modules', '.bin', 'nx'), ['show', 'projects'], { cwd: root, env, stdio: 'ignore' });
  }, 120_000);
  afterAll(() => rmSync(graphDir, { recursive: true, force: true }));

  it('refuses an import the order does not allow: the detector and recovery do not know each other', async () => {
    expect(await boundaryErrors('libs/detector/src/bad-import.fixture.ts', "import { IncidentLedger } from '@haaas/recovery';\nexport const x = IncidentLedger;\n")).toEqual([
      expect.stringContaining('"engine:detector" can only depend on libs tagged with'),
    ]);
    expect(await boundaryErrors('libs/recovery/src/bad-import.fixture.ts', "import { DetectorStore } from '@haaas/detector';\nexport const x = DetectorStore;\n")).toEqual([
      expect.stringContaining('"engine:recovery" can only depend on libs tagged with'),
    ]);
  });

  it('refuses a lower library importing a higher one (the rule reports it as a cycle between the libraries)', async () => {
    expect(await boundaryErrors('libs/heartbeats/src/bad-import.fixture.ts', "import { ServiceRunner } from '@haaas/engine-runtime';\nexport const x = ServiceRunner;\n")).toEqual([
      expect.stringContaining('Circular dependency between "heartbeats" and "engine-runtime"'),
    ]);
  });

  it("refuses reaching into another library's internals by a relative path", async () => {
    const errors = await boundaryErrors('libs/operations/src/bad-import.fixture.ts', "import { IncidentLedger } from '../../recovery/src/incident.ledger';\nexport const x = IncidentLedger;\n");
    expect(errors).toEqual([expect.stringContaining('relative or absolute path')]);
  });

  it('refuses Redis clients outside the owner (@haaas/redis), which itself knows nothing above the utilities', async () => {
    const code = "import { connectRedis } from '@haaas/config';\nimport Redis from 'ioredis';\nexport const a = connectRedis('redis://x');\nexport const b = new Redis();\n";
    expect(await lintErrors('libs/heartbeats/src/bad-import.fixture.ts', code, ['no-restricted-imports', 'no-restricted-syntax'])).toEqual([
      expect.stringContaining('Inject RedisConnections'),
      expect.stringContaining('Inject RedisConnections'),
    ]);
    expect(await boundaryErrors('libs/redis/src/bad-import.fixture.ts', "import { Store } from '@haaas/persistence';\nexport const x = Store;\n")).toEqual([
      expect.stringContaining('"type:connections" can only depend on libs tagged with'),
    ]);
    expect(await lintErrors('libs/redis/src/good-import.fixture.ts', code, ['no-restricted-imports', 'no-restricted-syntax'])).toEqual([]);
  });

  it('accepts the imports the order allows (operations → recovery, runtime → heartbeats)', async () => {
    expect(await boundaryErrors('libs/operations/src/good-import.fixture.ts', "import { IncidentLedger } from '@haaas/recovery';\nexport const x = IncidentLedger;\n")).toEqual([]);
    expect(await boundaryErrors('libs/engine-runtime/src/good-import.fixture.ts', "import { HeartbeatStore } from '@haaas/heartbeats';\nexport const x = HeartbeatStore;\n")).toEqual([]);
  });
});
