import type { AgentMetadata, AgentParameter } from './agent-metadata.parser';

export type OptionProblemCode = 'UNKNOWN' | 'MISSING_REQUIRED' | 'BAD_TYPE' | 'BAD_CHOICE' | 'DUPLICATE' | 'RESERVED' | 'BAD_VALUE';

export interface OptionProblem {
  /** The option as the caller spelled it (for MISSING_REQUIRED: the parameter's current name). */
  readonly option: string;
  readonly code: OptionProblemCode;
  /** Never carries a secret's value. */
  readonly message: string;
}

/** How a spelling maps to the agent's own option. */
export interface ResolvedOption {
  /** The agent's internal key: two spellings with the same key are one option (`ip`, `ipaddr`). */
  readonly key: string;
  /** The parameter to check the value against, and to call it by (the non-deprecated spelling). */
  readonly parameter: AgentParameter;
}

export interface ValidateOptionsContext {
  /** For `list` and `monitor` the plug (`plug`/`port`) is not needed, as the agents decide. */
  readonly action?: string;
}

// Set by the runner, or read by the agents without being a device option.
const RESERVED = new Set(['action', 'option']);
// Pacemaker passes it to every agent; fencing.py and fence_virt drop it silently.
const IGNORED = new Set(['nodename']);
const PLUG_KEYS = new Set(['port', 'plug']);
const NO_PLUG_ACTIONS = new Set(['list', 'list-status', 'monitor']);

const BOOLEAN_VALUES = new Set(['1', 'yes', 'on', 'true', '0', 'no', 'off', 'false']);
const FALSE_VALUES = new Set(['0', 'no', 'off', 'false']);

/**
 * Which of the agent's options a name given on stdin sets, exactly as the agent decides it
 * (see OptionSyntax), or undefined when the agent would ignore it ("Ignoring unknown option").
 */
export function resolveOption(meta: AgentMetadata, name: string): ResolvedOption | undefined {
  const byName = new Map(meta.parameters.map((p) => [p.name, p]));
  const keyOf = (p: AgentParameter): string => p.obsoletes ?? p.name;
  const preferred = (key: string): AgentParameter | undefined =>
    meta.parameters.find((p) => p.obsoletes === key) ?? byName.get(key);

  if (meta.optionSyntax === 'exact') {
    const lower = name.toLowerCase();
    const p = meta.parameters.find((q) => q.name.toLowerCase() === lower);
    if (!p) return undefined;
    const key = keyOf(p);
    return { key, parameter: preferred(key) ?? p };
  }

  // fencing.py's _parse_input_stdin: the long option with `-`/`_` swapped wins, else an exact key.
  const longToKey = new Map<string, string>();
  for (const p of meta.parameters) if (p.longOption) longToKey.set(p.longOption, keyOf(p));
  const key =
    longToKey.get(name.replace(/-/g, '_')) ??
    longToKey.get(name.replace(/_/g, '-')) ??
    (byName.has(name) && byName.get(name)?.obsoletes === undefined ? name : undefined);
  if (key === undefined) return undefined;
  const parameter = preferred(key);
  return parameter ? { key, parameter } : undefined;
}

/**
 * The problems an agent would have with these options: unknown names (the agent would silently
 * ignore them, so a typo in `pasword` would fence with no password), two spellings of one option,
 * missing required ones, values that are not an integer / boolean / listed choice, line breaks
 * (they would inject options). A value of `undefined` means "given, value withheld" (a secret the
 * caller does not pass around): only its name is checked. Messages never include secret values.
 */
export function validateAgentOptions(
  meta: AgentMetadata,
  options: Readonly<Record<string, string | undefined>>,
  context: ValidateOptionsContext = {},
): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(options)) {
    if (RESERVED.has(name.toLowerCase())) {
      problems.push({ option: name, code: 'RESERVED', message: `${name} is chosen by the runner, not given as an option` });
      continue;
    }
    if (IGNORED.has(name)) continue;
    const resolved = resolveOption(meta, name);
    if (!resolved) {
      const hint = suggest(meta, name);
      problems.push({ option: name, code: 'UNKNOWN', message: `${meta.name} has no parameter ${name}${hint ? ` (did you mean ${hint}?)` : ''}` });
      continue;
    }
    const earlier = seen.get(resolved.key);
    if (earlier !== undefined) {
      problems.push({ option: name, code: 'DUPLICATE', message: `${name} and ${earlier} are the same parameter of ${meta.name}; give one` });
      continue;
    }
    seen.set(resolved.key, name);
    if (value === undefined) continue;
    const p = resolved.parameter;
    const shown = p.secret ? '' : ` (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    if (/[\r\n\0]/.test(value)) {
      problems.push({ option: name, code: 'BAD_VALUE', message: `${name} must not contain line breaks or NUL: the agent reads key=value lines` });
    } else if ((p.type === 'integer' || p.type === 'second') && !/^\s*[+-]?\d+\s*$/.test(value)) {
      problems.push({ option: name, code: 'BAD_TYPE', message: `${name} must be an integer${p.type === 'second' ? ' number of seconds' : ''}${shown}` });
    } else if (p.type === 'boolean' && !BOOLEAN_VALUES.has(value.trim().toLowerCase())) {
      problems.push({ option: name, code: 'BAD_TYPE', message: `${name} must be a boolean (1/0, yes/no, on/off, true/false)${shown}` });
    } else if (p.type === 'select' && p.choices && p.choices.length > 0 && !p.choices.some((c) => c.toUpperCase() === value.toUpperCase())) {
      problems.push({ option: name, code: 'BAD_CHOICE', message: `${name} must be one of ${p.choices.join(', ')}${shown}` });
    }
  }

  const plugOptional = context.action !== undefined && NO_PLUG_ACTIONS.has(context.action);
  const requiredKeys = new Set<string>();
  for (const p of meta.parameters) {
    const key = p.obsoletes ?? p.name;
    if (!p.required || RESERVED.has(key) || requiredKeys.has(key)) continue;
    if (plugOptional && PLUG_KEYS.has(key)) continue;
    requiredKeys.add(key);
    if (!seen.has(key)) {
      const shownName = meta.parameters.find((q) => q.obsoletes === key)?.name ?? key;
      problems.push({ option: shownName, code: 'MISSING_REQUIRED', message: `${meta.name} needs ${shownName}` });
    }
  }
  return problems;
}

/** True when a boolean value turns the option off; such options are left out (see the runner). */
export function isFalseBoolean(value: string): boolean {
  return FALSE_VALUES.has(value.trim().toLowerCase());
}

function suggest(meta: AgentMetadata, name: string): string | undefined {
  const n = name.toLowerCase().replace(/-/g, '_');
  let best: { name: string; d: number } | undefined;
  for (const p of meta.parameters) {
    if (p.deprecated) continue;
    const d = distance(n, p.name);
    if (d <= 2 && (!best || d < best.d)) best = { name: p.name, d };
  }
  return best?.name;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}
