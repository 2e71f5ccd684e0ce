import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Log, silent } from './log.util';

/** The binaries that prove a package is installed, for the packages this project needs. */
const KNOWN_BINARIES: Readonly<Record<string, readonly string[]>> = {
  'mariadb-server': ['mariadbd', 'mariadb-install-db'],
  'mariadb-client': ['mariadb'],
  'redis-server': ['redis-server'],
  prometheus: ['prometheus', 'promtool'],
};

// Daemons live in sbin, which a non-root PATH often lacks.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable found in PATH or the usual system directories, or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: keep looking
    }
  }
  return undefined;
}

/** Like findBinary, but throws an error that says which package provides it. */
export function requireBinary(name: string, pkg: string): string {
  const path = findBinary(name);
  if (!path) throw new Error(`${name} not found: install the Debian package ${pkg} (${aptInstallCommand([pkg], false)})`);
  return path;
}

/** The command a human should run to install the packages. */
export function aptInstallCommand(pkgs: readonly string[], asRoot: boolean): string {
  const sudo = asRoot ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

/** Thrown when packages are missing and we may not install them; the message is the command to run. */
export class MissingPackagesError extends Error {
  constructor(readonly packages: readonly string[]) {
    super(aptInstallCommand(packages, false));
    this.name = 'MissingPackagesError';
  }
}

export interface EnsurePackagesOptions {
  log?: Log;
  /** Binaries that prove each package is there; defaults cover the packages this project uses. */
  binaries?: Readonly<Record<string, readonly string[]>>;
  /** Defaults to whether this process runs as root. */
  asRoot?: boolean;
}

/** Packages whose binaries are missing (unknown packages are asked of dpkg). */
export async function missingDebianPackages(
  pkgs: readonly string[],
  binaries: Readonly<Record<string, readonly string[]>> = KNOWN_BINARIES,
): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of pkgs) {
    const bins = binaries[pkg] ?? KNOWN_BINARIES[pkg];
    const present = bins ? bins.every((b) => findBinary(b) !== undefined) : await dpkgInstalled(pkg);
    if (!present) missing.push(pkg);
  }
  return missing;
}

// apt-get update is slow and its result good for the whole process.
let aptUpdated = false;

/**
 * Installs the Debian packages whose binaries are missing. As root this runs apt-get; otherwise it
 * throws a MissingPackagesError whose message is the exact command to run.
 */
export async function ensureDebianPackages(pkgs: string[], options: EnsurePackagesOptions = {}): Promise<void> {
  const log = options.log ?? silent;
  const missing = await missingDebianPackages(pkgs, options.binaries);
  if (missing.length === 0) return;
  const asRoot = options.asRoot ?? process.getuid?.() === 0;
  if (!asRoot) throw new MissingPackagesError(missing);
  const aptGet = findBinary('apt-get');
  if (!aptGet) throw new Error(`missing packages ${missing.join(', ')} and no apt-get here: install them by hand`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    log('apt-get update');
    await run(aptGet, ['update'], env);
    aptUpdated = true;
  }
  log(`apt-get install ${missing.join(' ')}`);
  await run(aptGet, ['install', '-y', '--no-install-recommends', ...missing], env);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    // apt's progress goes to stderr so that it never mixes into a tool's stdout (e.g. jest --json).
    const child = spawn(cmd, args, { env, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

function dpkgInstalled(pkg: string): Promise<boolean> {
  const dpkgQuery = findBinary('dpkg-query');
  if (!dpkgQuery) return Promise.resolve(false);
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(dpkgQuery, ['-W', '-f=${Status}', pkg], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0 && out.includes('install ok installed')));
  });
}
