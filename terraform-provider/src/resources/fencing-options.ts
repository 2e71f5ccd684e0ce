/**
 * Fencing options as Terraform maps (`options`, `secret_options`) and their plan-time check
 * against the fence agent's metadata, so that a typo in an option name is an error on that key
 * before anything is created (an agent silently ignores options it does not know).
 */
import type { Api, FenceAgent } from '../api/client';
import { type Diagnostic, error } from '../framework/diagnostics';
import { type TfObject, type TfValue, isUnknown } from '../protocol/values';

export const optionList = (m: Readonly<Record<string, string>>): { key: string; value: string }[] =>
  Object.keys(m)
    .sort()
    .map((key) => ({ key, value: m[key] ?? '' }));

/** A map of known string values, or undefined while any of it is unknown. */
function knownMap(v: TfValue | undefined): Record<string, string> | undefined {
  if (v === null || v === undefined) return {};
  if (isUnknown(v) || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** The parameter an option name sets: its name, or with `-` and `_` swapped, as the agents read stdin. */
const parameterOf = (agent: FenceAgent, name: string) =>
  agent.parameters.find((p) => p.name === name || p.name === name.replace(/-/g, '_') || p.name === name.replace(/_/g, '-') || p.obsoletes === name);

/**
 * The problems of `options` and `secret_options` for this agent: unknown names, a value not among
 * the parameter's choices, a secret parameter given in clear. `agentName` unknown: nothing to check yet.
 */
export async function checkOptions(api: Api, agentName: TfValue | undefined, config: TfObject, where: string): Promise<Diagnostic[]> {
  if (typeof agentName !== 'string') return [];
  let agent: FenceAgent;
  try {
    agent = await api.getFenceAgent(agentName);
  } catch {
    // an unknown agent is the API's to refuse, with its own message, at apply
    return [];
  }
  const out: Diagnostic[] = [];
  for (const attr of ['options', 'secret_options', 'secret_options_wo'] as const) {
    for (const [key, value] of Object.entries(knownMap(config[attr]) ?? {})) {
      const at = `${attr}[${JSON.stringify(key)}]`;
      const p = parameterOf(agent, key);
      if (!p) {
        const names = agent.parameters.filter((x) => !x.deprecated).map((x) => x.name);
        out.push(error(`${agent.name} has no option "${key}"`, `${where}: the agent would ignore it. Its options: ${names.join(', ')}.`, at));
        continue;
      }
      if (attr === 'options' && p.choices.length > 0 && !p.choices.includes(value)) {
        out.push(error(`"${value}" is not a value of ${key}`, `${agent.name} accepts ${p.choices.join(', ')}.`, at));
      }
      if (attr === 'options' && p.secret) {
        out.push(error(`${key} is a secret option`, `Give ${key} in secret_options (sensitive, never read back) rather than in options.`, at));
      }
    }
  }
  return out;
}

/**
 * The secret options for state: the configured ones the API still has (it returns their names
 * only), so that a secret removed behind Terraform's back shows as a diff.
 */
export function secretsState(keys: readonly string[], prior: TfObject | null): TfValue {
  const given = knownMap(prior?.['secret_options']) ?? {};
  const kept = Object.fromEntries(Object.entries(given).filter(([k]) => keys.includes(k)));
  return Object.keys(kept).length === 0 && (prior?.['secret_options'] ?? null) === null ? null : kept;
}
