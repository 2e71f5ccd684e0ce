/**
 * The real Terraform and OpenTofu for the provider's tests: Terraform from PATH (the machines'
 * image has 1.11.4; absent means the tests say so and run with OpenTofu alone), OpenTofu built once
 * from the Go module proxy (`go mod download` + `go build ./cmd/tofu`, about 4 minutes) and cached
 * under ~/.cache/haaas like vcsim. Working directories get a CLI configuration that installs the
 * provider from the built filesystem mirror and nothing from the network.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { findBinary } from '@haaas/devstack';
import { startKeystone, type KeystonePeer } from '@haaas/testing';
import { startWorker } from '@haaas/worker-server';
import { startTestApi, type TestApi } from '../../../test/e2e/support/api';

export const TOFU_VERSION = '1.12.6';
const TOFU_MODULE = 'github.com/opentofu/opentofu';
const log = (line: string): void => void process.stderr.write(`[terraform-provider tests] ${line}\n`);

const isExecutable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export interface Cli {
  /** `terraform` or `tofu` */
  readonly name: 'terraform' | 'tofu';
  readonly bin: string;
  /** The registry hostname it installs `haaas/haaas` from. */
  readonly host: 'registry.terraform.io' | 'registry.opentofu.org';
}

export function findTerraform(): Cli | undefined {
  const bin = process.env['HAAAS_TERRAFORM_BIN'] || findBinary('terraform') || (isExecutable('/usr/local/bin/terraform') ? '/usr/local/bin/terraform' : undefined);
  if (!bin) {
    log('Terraform is not installed (no terraform on PATH): the provider tests run with OpenTofu alone');
    return undefined;
  }
  return { name: 'terraform', bin, host: 'registry.terraform.io' };
}

export function tofuCacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'haaas', `tofu-${TOFU_VERSION}`);
}

/** OpenTofu: HAAAS_TOFU_BIN, else the cached build, else built now (once). */
export async function ensureTofu(): Promise<Cli> {
  const given = process.env['HAAAS_TOFU_BIN'];
  const dir = tofuCacheDir();
  const bin = given || join(dir, 'tofu');
  if (!isExecutable(bin)) {
    const go = findBinary('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
    if (!go) throw new Error(`OpenTofu ${TOFU_VERSION} is built with Go >= 1.24 and no 'go' is on PATH or in /usr/local/go/bin; or set HAAAS_TOFU_BIN`);
    mkdirSync(dir, { recursive: true });
    const staging = mkdtempSync(join(dir, '.build-'));
    const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };
    try {
      log(`building OpenTofu ${TOFU_VERSION} into ${dir} (first run only; about 4 minutes)`);
      const started = Date.now();
      const info = JSON.parse(execFileSync(go, ['mod', 'download', '-json', `${TOFU_MODULE}@v${TOFU_VERSION}`], { env, cwd: staging, encoding: 'utf8' })) as { Dir: string };
      // the module cache is read-only: build in a writable copy
      const src = join(staging, 'src');
      cpSync(info.Dir, src, { recursive: true });
      execFileSync('chmod', ['-R', 'u+w', src]);
      await new Promise<void>((done, fail) => {
        const ldflags = `-X ${TOFU_MODULE}/version.dev=no`;
        const child = spawn('nice', ['-n', '10', go, 'build', '-ldflags', ldflags, '-o', join(staging, 'tofu'), './cmd/tofu'], { cwd: src, env, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
        const beat = setInterval(() => log(`  ... still building (${Math.round((Date.now() - started) / 1000)} s)`), 15_000);
        child.once('exit', (code) => {
          clearInterval(beat);
          if (code === 0) done();
          else fail(new Error(`go build ./cmd/tofu failed (${code}): ${err}`));
        });
      });
      renameSync(join(staging, 'tofu'), bin);
      log(`OpenTofu built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { name: 'tofu', bin, host: 'registry.opentofu.org' };
}

/** What the provider build is made of: a change in any of these makes a new build. */
const BUILD_INPUTS = ['terraform-provider/src', 'terraform-provider/proto', 'terraform-provider/scripts/build.mjs', 'terraform-provider/package.json', 'sdk/src', 'sdk/package.json'];

function sourceHash(): string {
  const root = resolve(__dirname, '../../..');
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    const abs = join(root, rel);
    if (statSync(abs).isDirectory()) for (const e of readdirSync(abs).sort()) walk(join(rel, e));
    else hash.update(rel).update('\0').update(readFileSync(abs)).update('\0');
  };
  for (const input of BUILD_INPUTS) walk(input);
  return hash.update(process.version).digest('hex').slice(0, 16);
}

export interface ProviderBuild {
  /** The filesystem mirror (both registry hostnames). */
  readonly mirror: string;
  readonly dir: string;
}

/**
 * The provider, built (bundle + filesystem mirror) once per version of its sources and shared by
 * every e2e file and run: <tmp>/haaas-tfprovider-<hash of the sources>. Concurrent jest workers
 * each build into a staging dir and rename it into place; the first rename wins.
 */
export function buildProvider(): ProviderBuild {
  const dir = join(tmpdir(), `haaas-tfprovider-${sourceHash()}`);
  if (!existsSync(join(dir, 'mirror'))) {
    const staging = mkdtempSync(`${dir}.build-`);
    try {
      execFileSync(process.execPath, [resolve(__dirname, '../../scripts/build.mjs'), staging], { stdio: ['ignore', 'ignore', 'inherit'] });
      renameSync(staging, dir);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(dir, 'mirror'))) throw error;
    }
  }
  // no plugin cache (TF_PLUGIN_CACHE_DIR): init linking from one was no faster than copying the
  // 5.6 MB bundle from the mirror (bench/provider-e2e-setup.bench.ts: 0.96x and 1.15x)
  return { mirror: join(dir, 'mirror'), dir };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One working directory (one configuration and its state) driven by one CLI. */
export class Workdir {
  readonly dir: string;
  private env: NodeJS.ProcessEnv;

  constructor(
    readonly cli: Cli,
    /** The build, or a bare mirror directory. */
    build: ProviderBuild | string,
    api: { url: string; token: string },
    extraEnv: NodeJS.ProcessEnv = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `haaas-${cli.name}-`));
    const mirror = typeof build === 'string' ? build : build.mirror;
    const rc = join(this.dir, '.cli.tfrc');
    writeFileSync(rc, `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["${cli.host}/haaas/haaas"]\n  }\n}\n`);
    this.env = {
      PATH: process.env['PATH'],
      HOME: this.dir,
      TF_CLI_CONFIG_FILE: rc,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      HAAAS_URL: api.url,
      HAAAS_TOKEN: api.token,
      ...(process.env['HAAAS_TF_LOG'] ? { TF_LOG: process.env['HAAAS_TF_LOG'] } : {}),
      ...extraEnv,
    };
  }

  /** Changes environment variables of the next runs ('' unsets one for the provider). */
  setEnv(extra: NodeJS.ProcessEnv): void {
    this.env = { ...this.env, ...extra };
  }

  write(files: Record<string, string>): void {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, name), text);
  }

  run(...args: string[]): Promise<RunResult> {
    return new Promise((done, fail) => {
      const child = spawn(this.cli.bin, [...args, ...(args[0] === 'show' || args[0] === 'output' ? [] : ['-no-color'])], { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('error', fail);
      child.once('exit', (code) => done({ code: code ?? 1, stdout, stderr }));
    });
  }

  /** Runs and fails with the output when the exit code is not one of `codes`. */
  async ok(args: string[], codes: number[] = [0]): Promise<RunResult> {
    const r = await this.run(...args);
    if (!codes.includes(r.code)) throw new Error(`${this.cli.name} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** The state's resources: address to attribute values. */
  async state(): Promise<Record<string, Record<string, unknown>>> {
    const r = await this.ok(['show', '-json']);
    const parsed = JSON.parse(r.stdout) as { values?: { root_module?: { resources?: { address: string; values: Record<string, unknown> }[] } } };
    return Object.fromEntries((parsed.values?.root_module?.resources ?? []).map((x) => [x.address, x.values]));
  }

  /** `plan -detailed-exitcode`: 0 no changes, 2 changes. */
  async plan(...extra: string[]): Promise<RunResult> {
    return this.ok(['plan', '-detailed-exitcode', ...extra], [0, 2]);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `import {}` blocks for address -> id. */
export const importBlocks = (ids: Record<string, string>): string =>
  Object.entries(ids)
    .map(([to, id]) => `import {\n  to = ${to}\n  id = "${id}"\n}\n`)
    .join('\n');

/** What a provider e2e file needs: the built provider, the CLIs found, and the real API. */
export interface ProviderLab {
  readonly api: TestApi;
  /** The worker (detector, operations, recovery), when asked for. */
  readonly worker: INestApplicationContext | undefined;
  /** The provider build shared by every e2e file (its filesystem mirror). */
  readonly build: ProviderBuild;
  /** The real Keystone the API validates tokens with, when asked for (its `ha` endpoint is the API). */
  readonly keystone: KeystonePeer;
  cli(name: Cli['name']): Cli | undefined;
}

export interface ProviderLabOptions {
  /** A Redis database of the file's own (flushed first): needed with a worker, so no other file's workers take its jobs. */
  readonly redisUrl?: string;
  /** Also run a worker (detector, operations, recovery) against the API. */
  readonly worker?: boolean;
  /** Start a real Keystone (~13 s) and have the API accept its tokens. */
  readonly keystone?: boolean;
}

/** Registers the file's set-up and tear-down (jest hooks) and hands the lab to the tests. */
export function useProviderLab(options: ProviderLabOptions = {}): ProviderLab {
  let api: TestApi | undefined;
  let worker: INestApplicationContext | undefined;
  let built: ProviderBuild | undefined;
  let keystone: KeystonePeer | undefined;
  const clis: Cli[] = [];
  beforeAll(async () => {
    built = buildProvider();
    const terraform = findTerraform();
    if (terraform) clis.push(terraform);
    clis.push(await ensureTofu());
    if (options.redisUrl) {
      const redis = new Redis(options.redisUrl);
      await redis.flushdb();
      await redis.quit();
    }
    if (options.keystone) keystone = await startKeystone();
    const ks = keystone?.fixture.service;
    api = await startTestApi({
      ...(options.redisUrl ? { HAAAS_REDIS_URL: options.redisUrl } : {}),
      ...(keystone && ks ? { HAAAS_KEYSTONE_URL: keystone.authUrl, HAAAS_KEYSTONE_USERNAME: ks.name, HAAAS_KEYSTONE_PASSWORD: ks.password } : {}),
    });
    await keystone?.registerHaEndpoint(api.url);
    if (options.worker) worker = await startWorker(api.config, { logger: false });
  }, 900_000);
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await keystone?.stop();
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the provider lab is not set up (use it inside tests)');
    return v;
  };
  return {
    get api() {
      return ready(api);
    },
    get build() {
      return ready(built);
    },
    get worker() {
      return worker;
    },
    get keystone() {
      return ready(keystone);
    },
    cli: (name) => clis.find((c) => c.name === name),
  };
}

/** One CLI's part of a `describe.each(['terraform', 'tofu'])`: set up by {@link useCli}. */
export interface CliSession {
  readonly name: Cli['name'];
  /** The CLI; throws when it is not installed (call {@link CliSession.skipped} first). */
  readonly cli: Cli;
  /** The tenant's token (a member), '' when the file authenticates otherwise. */
  readonly token: string;
  /** The session's working directory, made in beforeAll. */
  readonly wd: Workdir;
  /** True (and says so on stderr) when the CLI is not installed: the test returns at once. */
  skipped(): boolean;
  /** Another working directory with the same CLI, API and token (removed with the session). */
  fresh(extraEnv?: NodeJS.ProcessEnv): Workdir;
  /** GraphQL as the tenant, failing on errors. */
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/**
 * The set-up every provider e2e file repeats per CLI (jest hooks): find the CLI, make the tenant's
 * token and a working directory, remove them after. `tenant` undefined: no token (Keystone).
 */
export function useCli(lab: ProviderLab, name: Cli['name'], options: { tenant?: string; env?: NodeJS.ProcessEnv } = {}): CliSession {
  let cli: Cli | undefined;
  let token = '';
  let wd: Workdir | undefined;
  const dirs: Workdir[] = [];
  const fresh = (extraEnv: NodeJS.ProcessEnv = {}): Workdir => {
    if (!cli) throw new Error(`${name} is not installed`);
    const d = new Workdir(cli, lab.build, { url: lab.api.url, token }, { ...options.env, ...extraEnv });
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    cli = lab.cli(name);
    if (!cli) return;
    if (options.tenant) token = await lab.api.token(options.tenant, ['member']);
    wd = fresh();
  });
  afterAll(() => {
    for (const d of dirs) d.remove();
  });
  return {
    name,
    get cli() {
      if (!cli) throw new Error(`${name} is not installed`);
      return cli;
    },
    get token() {
      return token;
    },
    get wd() {
      if (!wd) throw new Error(`${name} is not installed or the session is not set up`);
      return wd;
    },
    skipped() {
      if (cli) return false;
      process.stderr.write(`${name} is not installed: its steps are skipped\n`);
      return true;
    },
    fresh,
    gql: <T>(query: string, variables: Record<string, unknown> = {}) => lab.api.ok<T>(token, query, variables),
  };
}

/** The `terraform` block and the provider block (its settings, if any). */
export const providerHcl = (settings = ''): string =>
  `terraform {\n  required_providers {\n    haaas = { source = "haaas/haaas" }\n  }\n}\n\nprovider "haaas" {${settings ? `\n${settings}\n` : ''}}\n`;
