import { join } from 'node:path';
import { redact } from '@haaas/secrets';
import { type AgentMetadata, isSecretParameterName } from './agent-metadata.parser';
import { isFalseBoolean, resolveOption, validateAgentOptions } from './agent-options.validator';
import { type FenceAction, judgeAttempt } from './agent-output.classifier';
import { runProcess } from './agent-process.util';
import { agentTimeoutOptions } from './agent-timeouts.policy';
import { AGENT_NAME, agentEnvironment, FenceAgentCatalog } from './fence-agent.catalog';
import { FenceError, type FenceErrorKind, type FenceResult } from './fence.errors';
import { IPMI_PASSWORD_ENV, ipmitoolEnvWrapper, REAL_IPMITOOL_ENV } from './ipmitool-env.wrapper';

// Enough for every line an agent logs in a failed run (verbose included); results get stored.
const MAX_STDERR = 16 * 1024;

export const FENCE_ACTIONS: readonly FenceAction[] = ['on', 'off', 'reboot', 'status', 'monitor', 'list'];

export interface FenceRunRequest {
  /** `fence_ipmilan`, `fence_redfish`, ...: an agent installed in the catalog's directory. */
  readonly agent: string;
  readonly action: FenceAction;
  /** The device's options as the agent names them (`ip`, `username`, `password`, `lanplus`, ...). */
  readonly options: Readonly<Record<string, string>>;
  /** Budget of the whole call, retries included; default 60 s (Pacemaker's stonith-timeout). */
  readonly timeoutMs?: number;
  /** Further attempts after a retryable failure (UNREACHABLE, FAILED); default 2, as Pacemaker. */
  readonly retries?: number;
  /** Cancels the call: the running agent's process group is killed. */
  readonly signal?: AbortSignal;
}

export interface FenceAgentRunnerOptions {
  readonly catalog?: FenceAgentCatalog;
  /** First pause between attempts, doubled each time (jittered, at most 2 s); default 250 ms. */
  readonly backoffMs?: number;
  /** One line per attempt: agent, action, attempt, outcome, time. Never option values. */
  readonly log?: (line: string) => void;
  /**
   * ipmitool agents get the password through IPMI_PASSWORD instead of ipmitool's argv (see
   * ipmitool-env.wrapper.ts); default true.
   */
  readonly ipmitoolPasswordFromEnv?: boolean;
}

interface Prepared {
  readonly meta: AgentMetadata;
  readonly file: string;
  readonly lines: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly given: ReadonlySet<string>;
  readonly secrets: readonly string[];
}

/**
 * Runs Debian's fence agents through their documented interface: no arguments, options as
 * `key=value` lines on stdin (so no secret is ever on a command line), `action=` last, exit code
 * 0 = success / power on, 2 = power off (status), anything else = failure. Failures are FenceError
 * with a kind; stderr, stdout and messages are redacted of every secret option value.
 */
export class FenceAgentRunner {
  readonly catalog: FenceAgentCatalog;
  private readonly backoffMs: number;
  private readonly log: (line: string) => void;
  private readonly ipmitoolPasswordFromEnv: boolean;

  constructor(options: FenceAgentRunnerOptions = {}) {
    this.catalog = options.catalog ?? new FenceAgentCatalog();
    this.backoffMs = options.backoffMs ?? 250;
    this.log = options.log ?? (() => undefined);
    this.ipmitoolPasswordFromEnv = options.ipmitoolPasswordFromEnv ?? true;
  }

  // eslint-disable-next-line max-lines-per-function -- the fence agent's one run: arguments, spawn, stdin, deadline and the result's reading share the child process
  async run(request: FenceRunRequest): Promise<FenceResult> {
    const started = performance.now();
    const timeoutMs = request.timeoutMs ?? 60_000;
    const maxAttempts = 1 + Math.max(0, Math.floor(request.retries ?? 2));
    const deadlineAt = started + timeoutMs;
    const timeout = AbortSignal.timeout(Math.max(0, timeoutMs));
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const { agent, action } = request;
    const label = `${AGENT_NAME.test(agent) ? agent : 'fence agent'} ${FENCE_ACTIONS.includes(action) ? action : 'action'}`;
    const elapsed = (): number => Math.round(performance.now() - started);
    const fail = (kind: FenceErrorKind, message: string, partial: Partial<FenceResult> = {}, cause?: unknown): FenceError =>
      new FenceError(kind, message, { ok: false, powerState: 'unknown', exitCode: null, attempts: 0, stderr: '', stdout: '', ...partial, durationMs: elapsed() }, { cause });
    const deadlineError = (attempts: number, partial: Partial<FenceResult> = {}): FenceError =>
      fail('TIMEOUT', request.signal?.aborted ? `${label}: cancelled by the caller` : `${label}: no result within ${timeoutMs} ms`, { attempts, ...partial });

    if (!AGENT_NAME.test(agent)) throw fail('BAD_CONFIG', `invalid fence agent name ${JSON.stringify(agent)} (expected fence_[a-z0-9_]+)`);
    if (!FENCE_ACTIONS.includes(action)) throw fail('BAD_CONFIG', `${agent}: invalid action ${JSON.stringify(action)} (expected ${FENCE_ACTIONS.join(', ')})`);
    if (signal.aborted) throw deadlineError(0);

    let prepared: Prepared;
    try {
      prepared = await this.prepare(request, signal);
    } catch (error) {
      if (error instanceof FenceError && error.kind !== 'BAD_CONFIG' && signal.aborted) throw deadlineError(0);
      if (error instanceof FenceError) throw fail(error.kind, error.message, {}, error.cause);
      throw error;
    }
    const clean = (text: string): string => redact(text, prepared.secrets);

    let last: FenceError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const remaining = deadlineAt - performance.now();
      if (signal.aborted || remaining <= 0) throw deadlineError(attempt - 1, last?.result);
      // Each attempt gets its share of what is left; the agents' own timeouts follow from it.
      const budget = remaining / (maxAttempts - attempt + 1);
      const timeouts = agentTimeoutOptions(prepared.meta, prepared.given, budget);
      const stdin = [...prepared.lines, ...Object.entries(timeouts).map(([k, v]) => `${k}=${v}`), `action=${action}`, ''].join('\n');
      const outcome = await runProcess({ file: prepared.file, stdin, env: prepared.env, signal });
      const partial = {
        attempts: attempt,
        exitCode: outcome.exitCode,
        // redacted before cut, so a cut can never leave part of a secret
        stderr: tail(clean(outcome.stderr), MAX_STDERR),
        stdout: clean(outcome.stdout),
      };
      if (outcome.killed) {
        this.log(`${label} attempt ${attempt}/${maxAttempts}: killed at the deadline after ${Math.round(outcome.durationMs)} ms`);
        throw deadlineError(attempt, partial);
      }
      if (outcome.spawnError) {
        throw fail('BAD_CONFIG', `${label}: cannot run ${prepared.file}: ${outcome.spawnError.message}`, partial, outcome.spawnError);
      }
      // fence_virt prints its errors on stdout, fencing.py on stderr: judge both
      const verdict = judgeAttempt(action, outcome.exitCode, `${outcome.stderr}\n${outcome.stdout}`);
      if (verdict.ok) {
        this.log(`${label} attempt ${attempt}/${maxAttempts}: ok (${verdict.powerState}) in ${Math.round(outcome.durationMs)} ms`);
        return { ok: true, powerState: verdict.powerState, durationMs: elapsed(), ...partial };
      }
      const kind = verdict.kind ?? 'FAILED';
      const reason = summarize(partial.stderr) || summarize(partial.stdout) || `exit ${outcome.exitCode ?? outcome.exitSignal}`;
      this.log(`${label} attempt ${attempt}/${maxAttempts}: ${kind} in ${Math.round(outcome.durationMs)} ms`);
      last = fail(kind, `${label} failed${attempt > 1 ? ` after ${attempt} attempts` : ''} (${kind}): ${reason}`, partial);
      if (!last.retryable || attempt === maxAttempts) throw last;
      const pause = Math.min(2000, this.backoffMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
      // Not worth another attempt if it could not even start before the deadline.
      if (deadlineAt - performance.now() < pause + 200) throw last;
      if (!(await sleep(pause, signal))) throw last;
    }
    throw last ?? fail('FAILED', `${label}: no attempt made`);
  }

  private async prepare(request: FenceRunRequest, signal: AbortSignal): Promise<Prepared> {
    const { agent, action, options } = request;
    const meta = await this.catalog.describe(agent, signal);
    if (!meta.actions.includes(action)) {
      throw new FenceError('BAD_CONFIG', `${agent} has no ${action} action (it has ${meta.actions.join(', ')})`, emptyResult());
    }
    const secrets = Object.entries(options)
      .filter(([name]) => isSecretParameterName(name) || resolveOption(meta, name)?.parameter.secret === true)
      .map(([, value]) => value);
    const problems = validateAgentOptions(meta, options, { action });
    if (problems.length > 0) {
      throw new FenceError('BAD_CONFIG', redact(`${agent}: ${problems.map((p) => p.message).join('; ')}`, secrets), emptyResult());
    }

    const lines: string[] = [];
    const given = new Set<string>();
    const env: Record<string, string> = {};
    const ipmitool = meta.parameters.some((p) => p.name === 'ipmitool_path');
    let password: string | undefined;
    let realIpmitool: string | undefined;
    for (const [name, value] of Object.entries(options)) {
      const resolved = resolveOption(meta, name);
      if (!resolved) continue; // `nodename`: the agents ignore it
      given.add(resolved.key);
      given.add(resolved.parameter.name);
      const p = resolved.parameter;
      // The agents test most flags for presence (`"--ssl" in options`): `ssl=0` would turn SSL on.
      if (p.type === 'boolean' && p.default === undefined && isFalseBoolean(value)) continue;
      if (ipmitool && this.ipmitoolPasswordFromEnv && resolved.key === 'passwd') {
        password = value;
        continue;
      }
      if (ipmitool && resolved.key === 'ipmitool_path') {
        realIpmitool = value;
        continue;
      }
      lines.push(`${name}=${value}`);
    }
    if (ipmitool) {
      if (password !== undefined) {
        env[IPMI_PASSWORD_ENV] = password;
        env[REAL_IPMITOOL_ENV] = realIpmitool ?? meta.parameters.find((p) => p.name === 'ipmitool_path')?.default ?? '/usr/bin/ipmitool';
        lines.push(`ipmitool_path=${ipmitoolEnvWrapper()}`);
      } else if (realIpmitool !== undefined) {
        lines.push(`ipmitool_path=${realIpmitool}`);
      }
      // ipmitool -v tells a wrong password (RAKP 2 HMAC is invalid) from a dead BMC; the agent
      // logs the command with `-P [set]`, never the password.
      if (!given.has('verbose') && !given.has('verbose_level')) lines.push('verbose_level=2');
    }
    return { meta, file: join(this.catalog.agentsDir, agent), lines, env: agentEnvironment(env), given, secrets };
  }
}

/** The line of stderr that says what went wrong, without fencing.py's timestamps and noise. */
export function summarize(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^\d{4}-\d\d-\d\d [\d:,]+ /, '').trim())
    .filter((l) => l && !/DeprecationWarning|from pipes import|Please use '-h' for usage/.test(l));
  const errors = lines.filter((l) => /^(ERROR|CRITICAL)\b|Failed|Unable|Error|refused|denied|invalid/i.test(l));
  const picked = errors.length > 0 ? errors : lines.slice(-1);
  const text = [...new Set(picked.map((l) => l.replace(/^(ERROR|CRITICAL|WARNING):(root:)?\s*/, '')))].join(' | ');
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`;
}

function emptyResult(): FenceResult {
  return { ok: false, powerState: 'unknown', exitCode: null, attempts: 0, durationMs: 0, stderr: '', stdout: '' };
}

/** Resolves true after `ms`, false as soon as the signal fires. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
