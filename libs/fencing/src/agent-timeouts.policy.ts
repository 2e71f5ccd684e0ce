import type { AgentMetadata } from './agent-metadata.parser';

/**
 * The agents' own timeouts, derived from the time one attempt may take, so that a dead device
 * fails inside the caller's budget instead of after the agents' defaults (fence_ipmilan on a dead
 * BMC: 20 s). Only options the agent has and the caller did not set are added. B is the attempt's
 * budget in whole seconds (at least 1); all values are whole seconds, as the agents require.
 *
 * ipmitool agents (fence_ipmilan and its aliases: they have `ipmitool_path`). IPMI is UDP: a dead
 * BMC never refuses a connection, it is only ever a timeout, and ipmitool alone retries for ~20 s.
 * - power_timeout = clamp(B/4, 1, 2): fencing.py kills each ipmitool run after it, and polls the
 *   power state for about as many seconds after on/off (a BMC switches power at once).
 * - ipmitool_timeout = 1: ipmitool's per-packet retransmit interval (default 2).
 * - power_wait = 0: no blind sleep after on/off; the agent polls the state anyway.
 * - retry_on = 1: one more power-on if the first is not seen (0 would make `reboot` skip power-on).
 *
 * Other agents (TCP: a dead device is refused or times out at connect), never above their defaults:
 * - login_timeout = min(default, max(1, B/3)), shell_timeout = min(default, max(1, B/3)),
 *   power_timeout = min(default, max(1, B/2)), power_wait = min(default, B/4), retry_on = 1.
 * - `timeout` of fence_virt / fence_xvm (their whole request) = min(default, max(1, B - 1)).
 */
export function agentTimeoutOptions(meta: AgentMetadata, given: ReadonlySet<string>, attemptBudgetMs: number): Record<string, string> {
  const b = Math.max(1, Math.floor(attemptBudgetMs / 1000));
  const has = (name: string): boolean => meta.parameters.some((p) => p.name === name && !p.deprecated);
  const def = (name: string, fallback: number): number => {
    const raw = meta.parameters.find((p) => p.name === name)?.default;
    const n = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
    return Number.isFinite(n) ? n : fallback;
  };
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  const out: Record<string, string> = {};
  const set = (name: string, value: number): void => {
    if (has(name) && !given.has(name)) out[name] = String(value);
  };

  if (has('ipmitool_path')) {
    set('power_timeout', clamp(Math.floor(b / 4), 1, 2));
    set('ipmitool_timeout', 1);
    set('power_wait', 0);
    set('retry_on', 1);
    set('login_timeout', Math.min(def('login_timeout', 5), Math.max(1, Math.floor(b / 3))));
    set('shell_timeout', Math.min(def('shell_timeout', 3), Math.max(1, Math.floor(b / 3))));
    return out;
  }
  set('login_timeout', Math.min(def('login_timeout', 5), Math.max(1, Math.floor(b / 3))));
  set('shell_timeout', Math.min(def('shell_timeout', 3), Math.max(1, Math.floor(b / 3))));
  set('power_timeout', Math.min(def('power_timeout', 20), Math.max(1, Math.floor(b / 2))));
  set('power_wait', Math.min(def('power_wait', 0), Math.floor(b / 4)));
  set('retry_on', 1);
  if (meta.optionSyntax === 'exact') set('timeout', Math.min(def('timeout', 30), Math.max(1, b - 1)));
  return out;
}
