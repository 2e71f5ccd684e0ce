import { Problems } from './errors';

/** Object names: what DNS labels and most CLIs accept, so names survive every interface. */
export const NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62})$/;
/** RFC 1123 host names (dotted labels), up to 253 characters. */
const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
export const ATTRIBUTE_KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;
export const MAX_ATTRIBUTES = 100;
export const MAX_ATTRIBUTE_VALUE = 4096;
export const MAX_DESCRIPTION = 1024;

export function isName(value: string): boolean {
  return NAME_PATTERN.test(value);
}

export function isHostname(value: string): boolean {
  return value.length > 0 && value.length <= 253 && value.split('.').every((l) => HOST_LABEL.test(l));
}

export function checkName(p: Problems, field: string, value: string): void {
  p.check(isName(value), field, 'must be 1-63 characters: letters, digits, "_", "." or "-", starting with a letter or digit');
}

export function checkIntRange(p: Problems, field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  p.check(Number.isInteger(value) && value >= min && value <= max, field, `must be an integer from ${min} to ${max}`);
}

export function checkDescription(p: Problems, field: string, value: string | undefined | null): void {
  if (value == null) return;
  p.check(value.length <= MAX_DESCRIPTION, field, `must be at most ${MAX_DESCRIPTION} characters`);
}

export type Attributes = Readonly<Record<string, string>>;

export interface AttributeChange {
  readonly set?: readonly { key: string; value: string }[];
  readonly unset?: readonly string[];
}

/**
 * Applies set/unset to free-form attributes, validating keys, values and the count.
 * Pure: returns the new map and leaves the old one untouched (the event log keeps both).
 */
export function applyAttributeChange(current: Attributes, change: AttributeChange, field = 'attributes'): Attributes {
  const p = new Problems();
  const next: Record<string, string> = { ...current };
  (change.set ?? []).forEach(({ key, value }, i) => {
    p.check(ATTRIBUTE_KEY_PATTERN.test(key), `${field}.set[${i}].key`, 'must be 1-128 characters: letters, digits, "_", ".", ":", "/" or "-"');
    // assigning `__proto__` on a plain object is silently ignored: refuse it rather than lose it
    p.check(key !== '__proto__', `${field}.set[${i}].key`, 'is reserved');
    p.check(value.length <= MAX_ATTRIBUTE_VALUE, `${field}.set[${i}].value`, `must be at most ${MAX_ATTRIBUTE_VALUE} characters`);
    next[key] = value;
  });
  const setKeys = new Set((change.set ?? []).map((s) => s.key));
  (change.unset ?? []).forEach((key, i) => {
    p.check(!setKeys.has(key), `${field}.unset[${i}]`, 'a key cannot be set and unset at once');
    delete next[key];
  });
  p.check(Object.keys(next).length <= MAX_ATTRIBUTES, field, `at most ${MAX_ATTRIBUTES} attributes`);
  p.throwIfAny();
  return next;
}
