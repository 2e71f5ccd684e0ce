import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/** The agent's configuration file (JSON), as validated. Times in the units their names say. */
export interface AgentConfig {
  /** Base URL of the HAaaS API, e.g. https://haaas.example.com. */
  readonly apiUrl: string;
  /** Exactly one of: the token itself (then the config file must be mode 0600) or a file holding it (mode 0600). */
  readonly token?: string;
  readonly tokenFile?: string;
  /** Interval until the API answers with the cluster's (default 1). */
  readonly intervalSeconds: number;
  /** Shared-storage write check: a directory on the shared storage the VMs use. */
  readonly storage?: { readonly path: string; readonly timeoutMs: number };
  /** Isolation address: `host` (ICMP echo with ping) or `tcp://host:port` (TCP connect). */
  readonly isolationAddress?: { readonly address: string; readonly timeoutMs: number };
  readonly requestTimeoutMs: number;
  /** Longest wait between attempts while the API cannot be reached (default 10). */
  readonly maxBackoffSeconds: number;
  /** Plain http:// to a host other than loopback sends the token unencrypted: refused unless set. */
  readonly allowPlainHttp: boolean;
  /** Resource actions (IP, APPLICATION, VOLUME) the engine asks this node for; off: none are polled for. */
  readonly actions: ActionsConfig;
}

export interface ActionsConfig {
  readonly enabled: boolean;
  /** Types carried out; the others are answered "disabled". Default: all three. */
  readonly types: readonly ('IP' | 'APPLICATION' | 'VOLUME')[];
  /** Network namespace file to run the actions in (`/run/netns/x`, `/proc/<pid>/ns/net`); default the host's. */
  readonly netns?: string;
  /** Mount namespace file to run the actions in (`/proc/<pid>/ns/mnt`); default the host's. */
  readonly mountns?: string;
  /** Actions carried out at once (default 4). */
  readonly maxConcurrent: number;
  /** Seconds the API may hold an action poll open (default 25). */
  readonly pollWaitSeconds: number;
}

const ACTION_TYPES = ['IP', 'APPLICATION', 'VOLUME'] as const;
const ACTIONS_KEYS = new Set(['enabled', 'types', 'netns', 'mountns', 'maxConcurrent', 'pollWaitSeconds']);

export class AgentConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid agent configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'AgentConfigError';
  }
}

const KEYS = new Set(['apiUrl', 'token', 'tokenFile', 'intervalSeconds', 'storage', 'isolationAddress', 'requestTimeoutMs', 'maxBackoffSeconds', 'allowPlainHttp', 'actions']);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Host names and IPv4/IPv6 literals only: the address becomes an argument of ping. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]+)$/;

/** Reads and validates the configuration file, reporting every problem at once. */
export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AgentConfigError([`cannot read ${path}: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError([`${path} is not valid JSON: ${(err as Error).message}`]);
  }
  const config = parseAgentConfig(raw, dirname(resolve(path)));
  // an inline token makes the config file a secret
  if (config.token !== undefined) {
    const loose = looseMode(path);
    if (loose) throw new AgentConfigError([`${path} holds the token but its mode is ${loose}: chmod 600 ${path} (or use tokenFile)`]);
  }
  return config;
}

/** Validates a parsed configuration; relative paths are taken from `baseDir`. */
// eslint-disable-next-line max-lines-per-function -- one check per field of the agent's config file, in the file's order, all errors reported together
export function parseAgentConfig(raw: unknown, baseDir: string): AgentConfig {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AgentConfigError(['the configuration must be a JSON object']);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) problems.push(`${k}: unknown setting (known: ${[...KEYS].join(', ')})`);

  const allowPlainHttp = o['allowPlainHttp'] ?? false;
  if (typeof allowPlainHttp !== 'boolean') problems.push('allowPlainHttp: must be true or false');
  let apiUrl = '';
  const url = typeof o['apiUrl'] === 'string' ? safeUrl(o['apiUrl']) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    problems.push('apiUrl: must be an http(s) URL without credentials, e.g. "https://haaas.example.com"');
  } else {
    apiUrl = url.href.replace(/\/+$/, '');
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname) && allowPlainHttp !== true) {
      problems.push('apiUrl: plain http:// to another host would send the token unencrypted; use https:// (or set allowPlainHttp: true)');
    }
  }

  const token = o['token'];
  const tokenFile = o['tokenFile'];
  if ((token === undefined) === (tokenFile === undefined)) problems.push('token, tokenFile: give exactly one (tokenFile recommended, mode 0600)');
  if (token !== undefined && (typeof token !== 'string' || !token.startsWith('hna_'))) problems.push('token: must be the node agent token (hna_...) that issueNodeAgentToken returned');
  if (tokenFile !== undefined && (typeof tokenFile !== 'string' || tokenFile.length === 0)) problems.push('tokenFile: must be a path');

  const intervalSeconds = int(o['intervalSeconds'], 'intervalSeconds', 1, 1, 300, problems);
  const requestTimeoutMs = int(o['requestTimeoutMs'], 'requestTimeoutMs', 5000, 100, 60_000, problems);
  const maxBackoffSeconds = int(o['maxBackoffSeconds'], 'maxBackoffSeconds', 10, 1, 300, problems);

  let storage: AgentConfig['storage'];
  if (o['storage'] !== undefined) {
    const s = o['storage'];
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      problems.push('storage: must be { "path": "/shared/dir", "timeoutMs": 2000 }');
    } else {
      const so = s as Record<string, unknown>;
      for (const k of Object.keys(so)) if (k !== 'path' && k !== 'timeoutMs') problems.push(`storage.${k}: unknown setting`);
      const path = so['path'];
      if (typeof path !== 'string' || !isAbsolute(path)) problems.push('storage.path: must be an absolute path to a directory on the shared storage');
      const timeoutMs = int(so['timeoutMs'], 'storage.timeoutMs', 2000, 100, 60_000, problems);
      if (typeof path === 'string') storage = { path, timeoutMs };
    }
  }

  let isolationAddress: AgentConfig['isolationAddress'];
  if (o['isolationAddress'] !== undefined) {
    const s = o['isolationAddress'];
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      problems.push('isolationAddress: must be { "address": "192.0.2.1" } (ICMP) or { "address": "tcp://192.0.2.1:22" } (TCP connect)');
    } else {
      const so = s as Record<string, unknown>;
      for (const k of Object.keys(so)) if (k !== 'address' && k !== 'timeoutMs') problems.push(`isolationAddress.${k}: unknown setting`);
      const address = so['address'];
      if (typeof address !== 'string' || !validIsolationAddress(address)) {
        problems.push('isolationAddress.address: must be a host name or IP address (ICMP), or tcp://host:port (TCP connect)');
      }
      const timeoutMs = int(so['timeoutMs'], 'isolationAddress.timeoutMs', 1000, 100, 60_000, problems);
      if (typeof address === 'string') isolationAddress = { address, timeoutMs };
    }
  }

  const actions = parseActions(o['actions'], problems);

  if (problems.length > 0) throw new AgentConfigError(problems);
  return {
    apiUrl,
    ...(typeof token === 'string' ? { token } : {}),
    ...(typeof tokenFile === 'string' ? { tokenFile: resolve(baseDir, tokenFile) } : {}),
    intervalSeconds,
    ...(storage ? { storage } : {}),
    ...(isolationAddress ? { isolationAddress } : {}),
    requestTimeoutMs,
    maxBackoffSeconds,
    allowPlainHttp: allowPlainHttp === true,
    actions,
  };
}

function parseActions(v: unknown, problems: string[]): ActionsConfig {
  const fallback: ActionsConfig = { enabled: true, types: [...ACTION_TYPES], maxConcurrent: 4, pollWaitSeconds: 25 };
  if (v === undefined) return fallback;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push('actions: must be { "enabled": true, "types": ["IP", "APPLICATION", "VOLUME"], "netns": "/run/netns/x", ... }');
    return fallback;
  }
  const a = v as Record<string, unknown>;
  for (const k of Object.keys(a)) if (!ACTIONS_KEYS.has(k)) problems.push(`actions.${k}: unknown setting (known: ${[...ACTIONS_KEYS].join(', ')})`);
  const enabled = a['enabled'] ?? true;
  if (typeof enabled !== 'boolean') problems.push('actions.enabled: must be true or false');
  let types: ActionsConfig['types'] = fallback.types;
  if (a['types'] !== undefined) {
    const t = a['types'];
    if (!Array.isArray(t) || t.some((x) => !(ACTION_TYPES as readonly unknown[]).includes(x))) problems.push(`actions.types: must be a list of ${ACTION_TYPES.join(', ')}`);
    else types = [...new Set(t as ActionsConfig['types'][number][])];
  }
  const ns = (key: 'netns' | 'mountns'): string | undefined => {
    const p = a[key];
    if (p === undefined) return undefined;
    if (typeof p !== 'string' || !isAbsolute(p)) {
      problems.push(`actions.${key}: must be the absolute path of a namespace file (e.g. /run/netns/blue or /proc/<pid>/ns/${key === 'netns' ? 'net' : 'mnt'})`);
      return undefined;
    }
    return p;
  };
  const netns = ns('netns');
  const mountns = ns('mountns');
  const maxConcurrent = int(a['maxConcurrent'], 'actions.maxConcurrent', 4, 1, 64, problems);
  const pollWaitSeconds = int(a['pollWaitSeconds'], 'actions.pollWaitSeconds', 25, 1, 30, problems);
  return { enabled: enabled === true, types, ...(netns ? { netns } : {}), ...(mountns ? { mountns } : {}), maxConcurrent, pollWaitSeconds };
}

/** `tcp://host:port` → host and port; otherwise the host for ICMP. */
export function parseIsolationAddress(address: string): { readonly kind: 'icmp'; readonly host: string } | { readonly kind: 'tcp'; readonly host: string; readonly port: number } {
  if (address.startsWith('tcp://')) {
    const url = safeUrl(address);
    const host = url?.hostname.replace(/^\[|\]$/g, '') ?? '';
    return { kind: 'tcp', host, port: Number(url?.port ?? 0) };
  }
  return { kind: 'icmp', host: address };
}

function validIsolationAddress(address: string): boolean {
  if (address.startsWith('tcp://')) {
    const url = safeUrl(address);
    return !!url && url.hostname.length > 0 && url.port !== '' && (url.pathname === '' || url.pathname === '/') && !url.username;
  }
  return address.length <= 253 && !address.startsWith('-') && HOST.test(address);
}

/** The file's mode as text when group or others may read or write it, else undefined. */
export function looseMode(path: string): string | undefined {
  const mode = statSync(path).mode & 0o777;
  return mode & 0o077 ? `0${mode.toString(8)}` : undefined;
}

function int(v: unknown, field: string, fallback: number, min: number, max: number, problems: string[]): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    problems.push(`${field}: must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return v;
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}
