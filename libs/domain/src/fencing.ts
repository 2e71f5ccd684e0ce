import { Problems } from './errors';
import { checkIntRange } from './validation';

/** Agents of Debian's fence-agents are `fence_<name>`; `builtin:*` fence through the hypervisor manager. */
export const FENCE_AGENT_PATTERN = /^(fence_[a-z0-9_]{1,60}|builtin:(vsphere|libvirt|hyperv))$/;
export const MAX_FENCING_LEVEL = 9;

/**
 * Option names that hold secrets in the fence-agent API. They are stored encrypted and never
 * returned whether they were given as options or as secret options.
 */
export const SECRET_OPTION_NAMES: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'password_script',
  'passwd_script',
  'identity_file',
  'snmp_priv_passwd',
  'snmp_priv_passwd_script',
  'token',
  'api_key',
  'secret',
]);

const OPTION_KEY = /^[a-z][a-z0-9_-]{0,63}$/;
const MAX_OPTION_VALUE = 4096;

/** Agents read `a-b` and `a_b` as the same option (fencing.py), so `snmp-priv-passwd` is a secret too. */
export function isSecretOption(key: string): boolean {
  return SECRET_OPTION_NAMES.has(key.replace(/-/g, '_'));
}

export function checkFencingOptions(options: readonly { key: string; value: string }[], field: string): void {
  const p = new Problems();
  const seen = new Set<string>();
  options.forEach((o, i) => {
    p.check(OPTION_KEY.test(o.key), `${field}[${i}].key`, 'must be a fence-agent option name (lower case letters, digits, "_", "-")');
    p.check(o.key !== 'action' && o.key !== 'o', `${field}[${i}].key`, 'the action is chosen by HAaaS, not stored');
    p.check(o.value.length <= MAX_OPTION_VALUE, `${field}[${i}].value`, `must be at most ${MAX_OPTION_VALUE} characters`);
    p.check(!/[\r\n]/.test(o.value), `${field}[${i}].value`, 'must not contain line breaks (the agent reads key=value lines)');
    p.check(!seen.has(o.key), `${field}[${i}].key`, 'option given twice');
    seen.add(o.key);
  });
  p.throwIfAny();
}

export function checkFencingLevel(p: Problems, field: string, level: number): void {
  checkIntRange(p, field, level, 1, MAX_FENCING_LEVEL);
}
