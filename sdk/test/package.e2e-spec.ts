/**
 * The package as users get it: `npm pack` in sdk/, the tarball's contents, then a fresh project
 * outside the workspace that installs the tarball, type-checks the TypeScript example against the
 * shipped declarations (as an ES module and as CommonJS), and runs the .mjs and .cjs examples
 * against the live API, their subscription included (graphql-ws, the optional peer, installed
 * next to the SDK).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLiveApi, type LiveApi } from './live';

const run = promisify(execFile);
const SDK = join(__dirname, '..');
const WORKSPACE = join(SDK, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe('the packed @haaas/sdk', () => {
  let live: LiveApi;
  let tmp: string;
  let pack: PackResult;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'haaas-sdk-pack-'));
    // packing (which builds) and starting the API are independent: do both at once
    const [api, packed] = await Promise.all([startLiveApi(), run(npm, ['pack', '--json', '--pack-destination', tmp], { cwd: SDK, maxBuffer: 16 * 1024 * 1024 })]);
    live = api;
    pack = (JSON.parse(packed.stdout) as PackResult[])[0] as PackResult;
  }, 120_000);
  afterAll(async () => {
    await live?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the README, CHANGELOG, LICENSE, both builds with declarations, and nothing else', () => {
    const files = pack.files.map((f) => f.path).sort();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'LICENSE', 'package.json', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/esm/package.json', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json']));
    const unexpected = files.filter((f) => !/^(README\.md|CHANGELOG\.md|LICENSE|package\.json|dist\/(esm|cjs)\/(.+\.(js|d\.ts)|package\.json))$/.test(f));
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => /spec|test|\.map$|\.graphql$|tsconfig|project\.json/.test(f))).toEqual([]);
  });

  it('installs into a fresh project, type-checks the example as ESM and CommonJS, and runs .mjs and .cjs against the live API', async () => {
    const app = join(tmp, 'consumer');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sdk-consumer', version: '0.0.0', private: true }));
    // the SDK's one dependency, and graphql-ws and ws for the examples' subscription, come from
    // npm's cache when they are there, else from the registry
    await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', join(tmp, pack.filename), 'graphql-ws@^6', 'ws@^8'], { cwd: app });

    copyFileSync(join(SDK, 'examples', 'quickstart.ts'), join(app, 'quickstart.mts'));
    copyFileSync(join(SDK, 'examples', 'quickstart.ts'), join(app, 'quickstart.cts'));
    copyFileSync(join(SDK, 'examples', 'quickstart.mjs'), join(app, 'quickstart.mjs'));
    copyFileSync(join(SDK, 'examples', 'quickstart.cjs'), join(app, 'quickstart.cjs'));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          // the shipped declarations are checked too, not skipped
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(WORKSPACE, 'node_modules', '@types')],
        },
        files: ['quickstart.mts', 'quickstart.cts'],
      }),
    );
    await expect(run(process.execPath, [join(WORKSPACE, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app })).resolves.toMatchObject({ stdout: '' });

    for (const [file, tenant, flavour] of [
      ['quickstart.mjs', 'pack-esm', 'esm'],
      ['quickstart.cjs', 'pack-cjs', 'cjs'],
    ] as const) {
      const env = { ...process.env, HAAAS_URL: live.api.url, HAAAS_TOKEN: await live.api.token(tenant) };
      const { stdout } = await run(process.execPath, [file], { cwd: app, env });
      expect(stdout).toContain(`signed in as ${tenant}-user in tenant ${tenant}`);
      expect(stdout).toContain(`node hv1.${flavour}.example.com: OFFLINE`);
      expect(stdout).toContain(`node hv2.${flavour}.example.com: OFFLINE`);
      expect(stdout).toMatch(/the log has \d+ events, newest node\.joined/);
      // graphql-ws loaded by the SDK's own import() from each build
      expect(stdout).toContain('live: cluster.updated');
      expect(stdout).toContain(`cluster quickstart-${flavour} destroyed`);
    }
  });
});
