/** Reading typed fields out of planned state objects (known values: apply has no unknowns left). */
import type { TfObject, TfValue } from '../protocol/values';

export const str = (o: TfObject, k: string): string => {
  const v = o[k];
  if (typeof v !== 'string') throw new TypeError(`${k}: expected a string`);
  return v;
};
export const optStr = (o: TfObject, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
export const optNum = (o: TfObject, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
export const optBool = (o: TfObject, k: string): boolean | undefined => (typeof o[k] === 'boolean' ? (o[k] as boolean) : undefined);
export const num = (o: TfObject, k: string): number => {
  const v = optNum(o, k);
  if (v === undefined) throw new TypeError(`${k}: expected a number`);
  return v;
};
export const stringMap = (o: TfObject, k: string): Record<string, string> => {
  const v = o[k];
  return v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([a, b]) => [a, String(b)])) : {};
};
export const objects = (o: TfObject, k: string): TfObject[] => (Array.isArray(o[k]) ? (o[k] as TfValue[]).filter((x): x is TfObject => !!x && typeof x === 'object' && !Array.isArray(x)) : []);

/**
 * Key/value attributes as a map for state: null when the API has none and the configuration gave
 * none (so that leaving the argument out is no diff), else the map.
 */
export function attributesState(list: readonly { key: string; value: string }[], prior: TfObject | null): TfValue {
  if (list.length === 0 && (prior?.['attributes'] ?? null) === null) return null;
  return Object.fromEntries(list.map((a) => [a.key, a.value]));
}
