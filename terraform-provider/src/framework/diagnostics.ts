/**
 * Diagnostics (tfplugin6.Diagnostic) and the translation of API errors into them: a bad input
 * field becomes an error on the attribute it concerns, every error quotes the API's request id,
 * and an unreachable API is one plain error. Nothing here throws at Terraform.
 */
import { BadUserInputError, HaaasError, NetworkError, NotFoundError } from '../api/client';

export type PathStep = { attribute_name: string } | { element_key_int: number } | { element_key_string: string };
export interface AttributePath {
  steps: PathStep[];
}
export interface Diagnostic {
  severity: 'ERROR' | 'WARNING';
  summary: string;
  detail: string;
  attribute?: AttributePath;
}

/** `a.b[2].c` or `options["key"]` (Terraform names) to an attribute path. */
export function pathOf(dotted: string): AttributePath {
  const steps: PathStep[] = [];
  for (const part of dotted.match(/(?:[^.[]+)|\[\d+\]|\["(?:[^"\\]|\\.)*"\]/g) ?? []) {
    if (part.startsWith('["')) steps.push({ element_key_string: JSON.parse(part.slice(1, -1)) as string });
    else if (part.startsWith('[')) steps.push({ element_key_int: Number(part.slice(1, -1)) });
    else steps.push({ attribute_name: part });
  }
  return { steps };
}

export const error = (summary: string, detail = '', attribute?: string): Diagnostic => ({
  severity: 'ERROR',
  summary,
  detail,
  ...(attribute ? { attribute: pathOf(attribute) } : {}),
});

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * How a resource names the API's input fields: `input.policy.deadtimeSeconds` to `policy.deadtime_seconds`
 * by default (camelCase to snake_case, the input wrapper dropped); `fields` maps the exceptions.
 */
export interface FieldNames {
  readonly fields?: Readonly<Record<string, string>>;
  /** The attribute a NOT_FOUND of this kind (`Node`, `Cluster`) concerns. */
  readonly notFound?: Readonly<Record<string, string>>;
  /** The attribute other refusals (CONFLICT, QUOTA_EXCEEDED, PRECONDITION_FAILED) concern. */
  readonly refusal?: string;
}

export function attributeOfField(field: string, names: FieldNames): string {
  const bare = field.replace(/^input\./, '');
  const direct = names.fields?.[bare];
  if (direct !== undefined) return direct;
  // the longest mapped prefix wins: `options[2].value` with `options` mapped to `options`
  const prefix = Object.keys(names.fields ?? {})
    .filter((f) => bare.startsWith(`${f}.`) || bare.startsWith(`${f}[`))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix !== undefined) return `${names.fields?.[prefix]}${snake(bare.slice(prefix.length))}`.replace(/^\./, '');
  return snake(bare);
}

/** An error of the API (or of reaching it) as diagnostics, on the attributes concerned. */
export function diagnosticsOf(err: unknown, action: string, names: FieldNames = {}): Diagnostic[] {
  if (!(err instanceof HaaasError)) {
    return [error(`${action}: ${err instanceof Error ? err.message : String(err)}`, 'An unexpected error in the provider; please report it.')];
  }
  const request = err.requestId ? ` (API request id ${err.requestId})` : '';
  if (err instanceof NetworkError) {
    return [error(`${action}: the HAaaS API could not be reached`, `${err.message}. Check the provider's endpoint (HAAAS_URL) and that the API is running.`)];
  }
  if (err instanceof BadUserInputError && err.problems.length > 0) {
    return err.problems.map((p) => error(`${action}: ${p.message}`, `The API refused ${p.field}${request}.`, attributeOfField(p.field, names)));
  }
  const attribute = err instanceof NotFoundError ? (err.kind ? names.notFound?.[err.kind] : undefined) : err.code === 'BAD_USER_INPUT' ? undefined : names.refusal;
  return [error(`${action}: ${err.message}`, `${err.code}${request}.`, attribute)];
}
