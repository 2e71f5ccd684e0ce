import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type AgentMetadata, MetadataParseError, parseAgentMetadata } from './agent-metadata.parser';
import { type OptionProblem, validateAgentOptions, type ValidateOptionsContext } from './agent-options.validator';
import { runProcess } from './agent-process.util';
import { FenceError, type FenceResult } from './fence.errors';

/** Agent names as the runner accepts them: nothing a shell or a path could misread. */
export const AGENT_NAME = /^fence_[a-z0-9_]+$/;

/**
 * Programs named fence_* that are not agents: fence_virtd is the daemon behind fence_virt,
 * fence_ack_manual a human's acknowledgement tool (it takes a node name, not the agent API).
 */
export const NOT_AGENTS: ReadonlySet<string> = new Set(['fence_virtd', 'fence_ack_manual', 'fence_kdump_send', 'fence_legacy', 'fence_node', 'fence_tool']);

export const DEFAULT_AGENTS_DIR = '/usr/sbin';

export interface FenceAgentCatalogOptions {
  /** Where the agents are; Debian's fence-agents install them in /usr/sbin. */
  readonly agentsDir?: string;
  /** For one `-o metadata` call; default 15 s (an agent takes ~55 ms). */
  readonly metadataTimeoutMs?: number;
}

/** Minimal environment for agents: no caller variables (PCMK_service would disable their timeouts). */
export function agentEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C', PYTHONWARNINGS: 'ignore::DeprecationWarning', ...extra };
}

interface CacheEntry {
  readonly stamp: string;
  readonly metadata: Promise<AgentMetadata>;
}

/**
 * The installed fence agents and what each accepts, read from the agents themselves
 * (`fence_X -o metadata`). Metadata is cached per agent and re-read when the agent's file changes
 * (a package upgrade), so describing an agent costs a stat() instead of ~55 ms of Python.
 */
export class FenceAgentCatalog {
  readonly agentsDir: string;
  private readonly metadataTimeoutMs: number;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(options: FenceAgentCatalogOptions = {}) {
    this.agentsDir = options.agentsDir ?? DEFAULT_AGENTS_DIR;
    this.metadataTimeoutMs = options.metadataTimeoutMs ?? 15_000;
  }

  /** Names of the installed agents (`fence_*` executables, helpers excluded), sorted. */
  async listAgents(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.agentsDir);
    } catch {
      return [];
    }
    const names = entries.filter((n) => AGENT_NAME.test(n) && !NOT_AGENTS.has(n)).sort();
    const present = await Promise.all(names.map(async (n) => ((await this.stamp(n)) !== undefined ? n : undefined)));
    return present.filter((n): n is string => n !== undefined);
  }

  /** Whether `agent` is a valid agent name installed in the agents directory. */
  async has(agent: string): Promise<boolean> {
    return AGENT_NAME.test(agent) && !NOT_AGENTS.has(agent) && (await this.stamp(agent)) !== undefined;
  }

  /** The agent's parameters and actions; BAD_CONFIG for an unknown agent, FAILED when it cannot say. */
  async describe(agent: string, signal?: AbortSignal): Promise<AgentMetadata> {
    const stamp = AGENT_NAME.test(agent) && !NOT_AGENTS.has(agent) ? await this.stamp(agent) : undefined;
    if (stamp === undefined) throw badConfig(`unknown fence agent ${JSON.stringify(agent)} (not an agent in ${this.agentsDir})`);
    const cached = this.cache.get(agent);
    if (cached && cached.stamp === stamp) return withSignal(cached.metadata, agent, signal);
    // Shared by concurrent callers, so bounded by the catalog's own timeout, not by one caller's
    // signal: a caller that gives up stops waiting, the read goes on for the others.
    const metadata = this.readMetadata(agent);
    this.cache.set(agent, { stamp, metadata });
    // A failed read must not stick: the next caller tries again.
    metadata.catch(() => {
      if (this.cache.get(agent)?.metadata === metadata) this.cache.delete(agent);
    });
    return withSignal(metadata, agent, signal);
  }

  /** Every installed agent's metadata; agents whose metadata cannot be read are left out and named. */
  async describeAll(concurrency = 4): Promise<{ agents: AgentMetadata[]; failed: { agent: string; error: string }[] }> {
    const names = await this.listAgents();
    const agents: AgentMetadata[] = [];
    const failed: { agent: string; error: string }[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++] as string;
        try {
          agents.push(await this.describe(name));
        } catch (error) {
          failed.push({ agent: name, error: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    agents.sort((a, b) => a.name.localeCompare(b.name));
    return { agents, failed };
  }

  /**
   * The problems `agent` would have with `options` (see validateAgentOptions); an unknown agent is
   * one problem on `agent`. Values may be undefined for secrets the caller does not hold.
   */
  async validateOptions(
    agent: string,
    options: Readonly<Record<string, string | undefined>>,
    context: ValidateOptionsContext = {},
  ): Promise<OptionProblem[]> {
    if (!(await this.has(agent))) {
      return [{ option: 'agent', code: 'UNKNOWN', message: `unknown fence agent ${JSON.stringify(agent)}` }];
    }
    return validateAgentOptions(await this.describe(agent), options, context);
  }

  /** Forgets cached metadata (all, or one agent's). */
  clear(agent?: string): void {
    if (agent === undefined) this.cache.clear();
    else this.cache.delete(agent);
  }

  private async stamp(agent: string): Promise<string | undefined> {
    try {
      const s = await stat(join(this.agentsDir, agent));
      // executable regular file (stat follows symlinks such as fence_xvm -> fence_virt)
      if (!s.isFile() || (s.mode & 0o111) === 0) return undefined;
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  private async readMetadata(agent: string): Promise<AgentMetadata> {
    const outcome = await runProcess({
      file: join(this.agentsDir, agent),
      args: ['-o', 'metadata'],
      env: agentEnvironment(),
      signal: AbortSignal.timeout(this.metadataTimeoutMs),
    });
    const result: FenceResult = {
      ok: false,
      powerState: 'unknown',
      exitCode: outcome.exitCode,
      attempts: 1,
      durationMs: Math.round(outcome.durationMs),
      stderr: outcome.stderr.slice(0, 2000),
      stdout: '',
    };
    if (outcome.killed) throw new FenceError('TIMEOUT', `${agent} -o metadata: no answer in time`, result);
    if (outcome.exitCode !== 0) throw new FenceError('FAILED', `${agent} -o metadata failed (exit ${outcome.exitCode ?? outcome.exitSignal})`, result);
    try {
      const meta = parseAgentMetadata(outcome.stdout);
      // fencing.py prints the invoked name; keep the name we were asked about either way
      return meta.name === agent ? meta : { ...meta, name: agent };
    } catch (error) {
      if (error instanceof MetadataParseError) throw new FenceError('FAILED', `${agent}: ${error.message}`, result, { cause: error });
      throw error;
    }
  }
}

/** The promise, or a TIMEOUT as soon as the signal fires. */
function withSignal<T>(promise: Promise<T>, agent: string, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  const timeout = (): FenceError =>
    new FenceError('TIMEOUT', `${agent} -o metadata: the caller stopped waiting`, { ok: false, powerState: 'unknown', exitCode: null, attempts: 0, durationMs: 0, stderr: '', stdout: '' });
  if (signal.aborted) return Promise.reject(timeout());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(timeout());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function badConfig(message: string): FenceError {
  return new FenceError('BAD_CONFIG', message, { ok: false, powerState: 'unknown', exitCode: null, attempts: 0, durationMs: 0, stderr: '', stdout: '' });
}
