import { BadInputError, checkFencingOptions, isSecretOption, Problems } from '@haaas/domain';

export interface FencingOptionValue {
  readonly key: string;
  readonly value: string;
}

/** Options as stored: key → value, keys sorted so snapshots and comparisons are stable. */
export type FencingOptionMap = Readonly<Record<string, string>>;

/** Options and secret options of one device (or association) together; a key is in one of them only. */
export interface FencingOptionSets {
  readonly options: FencingOptionMap;
  readonly secrets: FencingOptionMap;
}

/**
 * Options a device (or a per-node association) may hold in total. fence_ipmilan, among the
 * richest agents, declares about 40 parameters; the cap keeps rows and agent stdin bounded.
 */
export const MAX_FENCING_OPTIONS = 64;

/** Runs a domain check that throws, adding its problems to `p` so one response reports them all. */
export function collectProblems(p: Problems, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    for (const problem of err.problems) p.add(problem.field, problem.message);
  }
}

function toSortedRecord(map: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key) as string;
  return out;
}

/** Own entries of a stored map (a Map, so keys such as `constructor` never meet Object.prototype). */
function mapOf(record: FencingOptionMap): Map<string, string> {
  return new Map(Object.entries(record));
}

/**
 * Validates the options of a new device or association and splits them: a secret-named option
 * (`password`, `identity_file`, ...) given in the clear is stored as a secret all the same.
 */
export function splitFencingOptions(
  p: Problems,
  options: readonly FencingOptionValue[],
  secretOptions: readonly FencingOptionValue[],
  fields: { readonly options: string; readonly secretOptions: string } = { options: 'options', secretOptions: 'secretOptions' },
): FencingOptionSets {
  collectProblems(p, () => checkFencingOptions(options, fields.options));
  collectProblems(p, () => checkFencingOptions(secretOptions, fields.secretOptions));
  const clear = new Map<string, string>();
  const secret = new Map<string, string>();
  for (const o of options) (isSecretOption(o.key) ? secret : clear).set(o.key, o.value);
  const inOptions = new Set(options.map((o) => o.key));
  secretOptions.forEach((o, i) => {
    p.check(!inOptions.has(o.key), `${fields.secretOptions}[${i}].key`, 'given both as an option and as a secret option');
    secret.set(o.key, o.value);
  });
  p.check(clear.size + secret.size <= MAX_FENCING_OPTIONS, fields.options, `at most ${MAX_FENCING_OPTIONS} options in all (secret ones included)`);
  return { options: toSortedRecord(clear), secrets: toSortedRecord(secret) };
}

export interface FencingOptionChange {
  readonly set?: readonly FencingOptionValue[];
  readonly unset?: readonly string[];
  readonly setSecrets?: readonly FencingOptionValue[];
  readonly unsetSecrets?: readonly string[];
}

/** Names a change touches, for knowing whether the sealed secrets must be opened at all. */
export function touchesSecrets(change: FencingOptionChange, storedSecretKeys: readonly string[]): boolean {
  const stored = new Set(storedSecretKeys);
  return (
    (change.setSecrets ?? []).length > 0 ||
    (change.set ?? []).some((o) => isSecretOption(o.key) || stored.has(o.key)) ||
    [...(change.unset ?? []), ...(change.unsetSecrets ?? [])].some((k) => stored.has(k))
  );
}

/** Checks the shape of a change (independent of what is stored), with field paths. */
export function checkFencingOptionChange(p: Problems, change: FencingOptionChange): void {
  const set = change.set ?? [];
  const setSecrets = change.setSecrets ?? [];
  collectProblems(p, () => checkFencingOptions(set, 'set'));
  collectProblems(p, () => checkFencingOptions(setSecrets, 'setSecrets'));
  const setKeys = new Set(set.map((o) => o.key));
  setSecrets.forEach((o, i) => p.check(!setKeys.has(o.key), `setSecrets[${i}].key`, 'given both in set and in setSecrets'));
  const allSet = new Set([...setKeys, ...setSecrets.map((o) => o.key)]);
  (change.unset ?? []).forEach((k, i) => p.check(!allSet.has(k), `unset[${i}]`, 'an option cannot be set and unset at once'));
  (change.unsetSecrets ?? []).forEach((k, i) => p.check(!allSet.has(k), `unsetSecrets[${i}]`, 'an option cannot be set and unset at once'));
}

export interface AppliedFencingOptionChange extends FencingOptionSets {
  /** Secret option names whose value was set or removed (never their values), sorted. */
  readonly changedSecretKeys: readonly string[];
  readonly optionsChanged: boolean;
}

/**
 * Applies a change to the stored sets. Pure. A name lives in exactly one of the two sets: setting
 * it in the clear moves it out of the secrets and the other way round; `unset` and `unsetSecrets`
 * remove a name wherever it is, and removing an absent name is not an error (idempotent).
 * Call `checkFencingOptionChange` first; this adds only the problems that depend on the result.
 */
export function applyFencingOptionChange(p: Problems, current: FencingOptionSets, change: FencingOptionChange): AppliedFencingOptionChange {
  const clear = mapOf(current.options);
  const secret = mapOf(current.secrets);
  const changed = new Set<string>();
  for (const key of [...(change.unset ?? []), ...(change.unsetSecrets ?? [])]) {
    clear.delete(key);
    if (secret.delete(key)) changed.add(key);
  }
  for (const o of change.set ?? []) {
    if (isSecretOption(o.key)) {
      secret.set(o.key, o.value);
      changed.add(o.key);
      clear.delete(o.key);
    } else {
      clear.set(o.key, o.value);
      if (secret.delete(o.key)) changed.add(o.key);
    }
  }
  for (const o of change.setSecrets ?? []) {
    secret.set(o.key, o.value);
    changed.add(o.key);
    clear.delete(o.key);
  }
  p.check(clear.size + secret.size <= MAX_FENCING_OPTIONS, 'set', `at most ${MAX_FENCING_OPTIONS} options in all (secret ones included)`);
  const options = toSortedRecord(clear);
  return {
    options,
    secrets: toSortedRecord(secret),
    changedSecretKeys: [...changed].sort(),
    optionsChanged: JSON.stringify(options) !== JSON.stringify(toSortedRecord(mapOf(current.options))),
  };
}
