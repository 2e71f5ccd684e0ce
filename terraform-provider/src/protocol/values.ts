/**
 * Terraform values as Terraform sends them: msgpack (the DynamicValue encoding of cty values) and
 * JSON (stored state). Unknown values are msgpack extension 0; refined unknowns (extension 12,
 * Terraform 1.6+/OpenTofu) carry what is known about them (not null, a string prefix, bounds),
 * kept byte for byte so that a value planned from them stays as refined as Terraform gave it.
 * Any other extension is read as unknown too, as cty does.
 */
import { decode, encode, ExtData } from '@msgpack/msgpack';

/** A value's type, as cty types it (`typeJson` gives the form the schema carries). */
export type TfType =
  | 'string'
  | 'number'
  | 'bool'
  | { readonly list: TfType }
  | { readonly set: TfType }
  | { readonly map: TfType }
  | { readonly object: Readonly<Record<string, TfType>> };

/** What is known of an unknown value (cty's refinements). */
export interface Refinements {
  readonly notNull?: boolean;
  readonly stringPrefix?: string;
}

/** A value not known until apply. */
export class Unknown {
  constructor(
    /** The refinements extension's payload as received, re-sent unchanged. */
    readonly raw?: Uint8Array,
    readonly refinements: Refinements = {},
  ) {}
}

export type TfValue = null | string | number | boolean | Unknown | TfValue[] | { [key: string]: TfValue };
export type TfObject = { [key: string]: TfValue };

const UNKNOWN_EXT = 0;
const REFINED_UNKNOWN_EXT = 12;
const REFINEMENT_NULLNESS = 1;
const REFINEMENT_STRING_PREFIX = 2;

export const unknown = (): Unknown => new Unknown();
export const isUnknown = (v: unknown): v is Unknown => v instanceof Unknown;

/** The cty type JSON (`"string"`, `["list","string"]`, `["object",{...}]`) the schema carries. */
export function typeJson(t: TfType): unknown {
  if (typeof t === 'string') return t;
  if ('list' in t) return ['list', typeJson(t.list)];
  if ('set' in t) return ['set', typeJson(t.set)];
  if ('map' in t) return ['map', typeJson(t.map)];
  return ['object', Object.fromEntries(Object.entries(t.object).map(([k, v]) => [k, typeJson(v)]))];
}

function refinementsOf(payload: Uint8Array): Refinements {
  try {
    const map = decode(payload) as Record<number, unknown>;
    return {
      notNull: map[REFINEMENT_NULLNESS] === false ? true : undefined,
      stringPrefix: typeof map[REFINEMENT_STRING_PREFIX] === 'string' ? (map[REFINEMENT_STRING_PREFIX] as string) : undefined,
    };
  } catch {
    return {};
  }
}

/** Decoded msgpack (ExtData anywhere) to values of type `t`. */
function fromWire(raw: unknown, t: TfType, path: string): TfValue {
  if (raw instanceof ExtData) {
    const data = raw.data instanceof Uint8Array ? raw.data : new Uint8Array();
    return raw.type === REFINED_UNKNOWN_EXT ? new Unknown(data, refinementsOf(data)) : new Unknown();
  }
  if (raw === null || raw === undefined) return null;
  if (t === 'string') return String(raw);
  if (t === 'number') {
    // cty sends numbers beyond float64 precision as strings
    const n = typeof raw === 'string' ? Number(raw) : typeof raw === 'bigint' ? Number(raw) : (raw as number);
    if (Number.isNaN(n)) throw new TypeError(`${path}: not a number`);
    return n;
  }
  if (t === 'bool') return Boolean(raw);
  if ('object' in t) {
    const obj = raw as Record<string, unknown>;
    return Object.fromEntries(Object.entries(t.object).map(([k, kt]) => [k, fromWire(obj[k], kt, `${path}.${k}`)]));
  }
  if ('map' in t) {
    return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, fromWire(v, t.map, `${path}[${k}]`)]));
  }
  const elem = 'list' in t ? t.list : t.set;
  return (raw as unknown[]).map((v, i) => fromWire(v, elem, `${path}[${i}]`));
}

/** Values to what msgpack encodes: every attribute of an object present, unknowns as extensions. */
function toWire(v: TfValue | undefined, t: TfType): unknown {
  if (v instanceof Unknown) return v.raw ? new ExtData(REFINED_UNKNOWN_EXT, v.raw) : new ExtData(UNKNOWN_EXT, new Uint8Array([0]));
  if (v === null || v === undefined) return null;
  if (typeof t === 'string') return v;
  if ('object' in t) {
    const obj = v as TfObject;
    return Object.fromEntries(Object.entries(t.object).map(([k, kt]) => [k, toWire(obj[k], kt)]));
  }
  if ('map' in t) return Object.fromEntries(Object.entries(v as TfObject).map(([k, x]) => [k, toWire(x, t.map)]));
  const elem = 'list' in t ? t.list : t.set;
  return (v as TfValue[]).map((x) => toWire(x, elem));
}

export function decodeMsgpack(bytes: Uint8Array | undefined, t: TfType): TfValue {
  if (!bytes || bytes.length === 0) return null;
  return fromWire(decode(bytes), t, '');
}

export function encodeMsgpack(v: TfValue, t: TfType): Uint8Array {
  return encode(toWire(v, t));
}

/** Stored state (JSON, never unknown): attributes the schema no longer has are dropped, new ones null. */
export function decodeJson(bytes: Uint8Array, t: TfType): TfValue {
  return fromWire(JSON.parse(Buffer.from(bytes).toString('utf8')), t, '');
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(v: TfValue | undefined): boolean {
  if (v instanceof Unknown) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === 'object') return Object.values(v).some(containsUnknown);
  return false;
}

/** Deep equality of known values (an unknown equals nothing). */
export function valuesEqual(a: TfValue | undefined, b: TfValue | undefined): boolean {
  if (a instanceof Unknown || b instanceof Unknown) return false;
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  const ao = a as TfObject;
  const bo = b as TfObject;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  return [...keys].every((k) => valuesEqual(ao[k], bo[k]));
}
