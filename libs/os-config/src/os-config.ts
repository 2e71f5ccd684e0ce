/**
 * Where the Keystone settings come from, as python-openstackclient does it: --os-* options beat
 * OS_* variables, which beat the cloud of clouds.yaml (merged with secure.yaml) named by
 * --os-cloud / OS_CLOUD. Files: OS_CLIENT_CONFIG_FILE first, then ./, ~/.config/openstack/,
 * /etc/openstack/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The auth settings, in openstacksdk's names (clouds.yaml `auth:` keys and the rest). */
export interface OsSettings {
  auth_url?: string;
  auth_type?: string;
  username?: string;
  user_id?: string;
  password?: string;
  user_domain_name?: string;
  user_domain_id?: string;
  project_name?: string;
  project_id?: string;
  project_domain_name?: string;
  project_domain_id?: string;
  application_credential_id?: string;
  application_credential_secret?: string;
  token?: string;
  region_name?: string;
  interface?: string;
}

export const OS_KEYS: readonly (keyof OsSettings)[] = [
  'auth_url', 'auth_type', 'username', 'user_id', 'password', 'user_domain_name', 'user_domain_id', 'project_name', 'project_id',
  'project_domain_name', 'project_domain_id', 'application_credential_id', 'application_credential_secret', 'token', 'region_name', 'interface',
];

/** A problem with the configuration files or the cloud name (exit code 1, like openstack). */
export class CloudConfigError extends Error {}

/** The merged settings: options > environment > clouds.yaml (+ secure.yaml). */
export function resolveOsSettings(options: { readonly cloud?: string | undefined; readonly values: Partial<OsSettings> }, env: NodeJS.ProcessEnv, cwd = process.cwd()): OsSettings {
  const fromEnv: Partial<OsSettings> = {};
  for (const key of OS_KEYS) {
    const value = env[`OS_${key.toUpperCase()}`];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const cloudName = options.cloud ?? env['OS_CLOUD'];
  const fromCloud = cloudName ? cloudSettings(cloudName, env, cwd) : {};
  return { ...fromCloud, ...fromEnv, ...defined(options.values) };
}

function defined(values: Partial<OsSettings>): Partial<OsSettings> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== '')) as Partial<OsSettings>;
}

/** The directories searched, in order. */
export function configDirs(cwd: string, home = homedir()): string[] {
  return [cwd, join(home, '.config', 'openstack'), '/etc/openstack'];
}

function firstFile(name: string, explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new CloudConfigError(`${explicit} (from the environment) does not exist`);
    return explicit;
  }
  return configDirs(cwd).map((d) => join(d, name)).find((f) => existsSync(f));
}

function readClouds(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CloudConfigError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const clouds = (doc as { clouds?: unknown } | null)?.clouds;
  return typeof clouds === 'object' && clouds !== null ? (clouds as Record<string, unknown>) : {};
}

function cloudSettings(name: string, env: NodeJS.ProcessEnv, cwd: string): Partial<OsSettings> {
  const cloudsFile = firstFile('clouds.yaml', env['OS_CLIENT_CONFIG_FILE'], cwd);
  const secureFile = firstFile('secure.yaml', env['OS_CLIENT_SECURE_FILE'], cwd);
  const base = cloudsFile ? readClouds(cloudsFile)[name] : undefined;
  const secure = secureFile ? readClouds(secureFile)[name] : undefined;
  if (base === undefined && secure === undefined) {
    const where = cloudsFile ? `in ${cloudsFile}${secureFile ? ` or ${secureFile}` : ''}` : `(no clouds.yaml in ${configDirs(cwd).join(', ')})`;
    throw new CloudConfigError(`cloud "${name}" was not found ${where}`);
  }
  const merged = deepMerge(asRecord(base), asRecord(secure));
  const auth = asRecord(merged['auth']);
  const out: Partial<OsSettings> = {};
  for (const key of OS_KEYS) {
    const value = auth[key] ?? merged[key];
    if (typeof value === 'string' || typeof value === 'number') out[key] = String(value);
  }
  return out;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** secure.yaml over clouds.yaml, key by key (as os-client-config merges them). */
function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null ? deepMerge(asRecord(prev), asRecord(v)) : v;
  }
  return out;
}
