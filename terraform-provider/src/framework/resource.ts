/**
 * The life of a managed resource as Terraform drives it, shared by every resource type: planning
 * (unknown computed values, replacement on force-new attributes, engine-moved values left alone),
 * apply (create, update or delete), refresh (gone = null) and import by id. A resource type only
 * says how its state maps to API calls.
 */
import type { Api } from '../api/client';
import { type Diagnostic, diagnosticsOf, type FieldNames } from './diagnostics';
import { type AttributeSpec, objectTypeOf, type SchemaSpec } from './schema';
import { type TfObject, type TfType, type TfValue, Unknown, unknown, valuesEqual } from '../protocol/values';
import { NotFoundError } from '../api/client';

export interface ResourceType {
  readonly name: string;
  readonly schema: SchemaSpec;
  readonly fieldNames?: FieldNames;
  /** Checks that need the API (e.g. fence agent metadata); `config` may hold unknowns. */
  validatePlan?(api: Api, config: TfObject): Promise<Diagnostic[]>;
  create(api: Api, planned: TfObject): Promise<TfObject>;
  /** The current state, or null when the object is gone. `prior` carries what the API never returns. */
  read(api: Api, id: string, prior: TfObject | null): Promise<TfObject | null>;
  update(api: Api, prior: TfObject, planned: TfObject): Promise<TfObject>;
  delete(api: Api, prior: TfObject): Promise<void>;
}

/**
 * A create that made the object but could not finish (e.g. a service that would not start): the
 * object goes into the state with the error, so Terraform marks it tainted and replaces it (or
 * destroys it) next time; nothing is left in the API that Terraform does not know about. The
 * convention of terraform-plugin-framework (state set with an error diagnostic on Create).
 */
export class PartialCreateError extends Error {
  constructor(
    readonly state: TfObject,
    readonly reason: unknown,
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = 'PartialCreateError';
  }
}

export interface PlanResult {
  planned: TfValue;
  requiresReplace: string[];
  diagnostics: Diagnostic[];
}

const entries = (s: SchemaSpec): [string, AttributeSpec][] => Object.entries(s.attributes);

export function resourceObjectType(r: ResourceType): TfType {
  return objectTypeOf(r.schema);
}

/** The planned state from Terraform's proposal (config merged with prior state by Terraform). */
export async function planChange(r: ResourceType, api: Api | undefined, prior: TfValue, proposed: TfValue, config: TfValue): Promise<PlanResult> {
  if (proposed === null) return { planned: null, requiresReplace: [], diagnostics: [] };
  const planned: TfObject = { ...(proposed as TfObject) };
  // write-only values never enter the plan (Terraform refuses a plan that has them)
  for (const [name, a] of entries(r.schema)) if (a.writeOnly) planned[name] = null;
  const priorObj = prior as TfObject | null;
  const requiresReplace: string[] = [];
  if (priorObj === null) {
    // computed values the API will choose: unknown until apply (optional ones only when not given)
    for (const [name, a] of entries(r.schema)) if (a.computed && planned[name] === null) planned[name] = unknown();
  } else {
    const changed = (name: string): boolean => !valuesEqual(priorObj[name], planned[name]);
    for (const [name, a] of entries(r.schema)) {
      if (a.forceNew && changed(name)) requiresReplace.push(name);
      // what the engine moves stays as the state has it (so a failover is never a diff), unless
      // this change moves it too
      if (a.engineMoved && (a.changesWith ?? []).some(changed)) planned[name] = unknown();
    }
  }
  const diagnostics = api && r.validatePlan ? await r.validatePlan(api, config as TfObject) : [];
  return { planned, requiresReplace, diagnostics };
}

export interface ApplyResult {
  state: TfValue;
  diagnostics: Diagnostic[];
}

/**
 * Create, update or delete, as the prior and planned states say. The resource sees the planned
 * state with the write-only values of the configuration; the new state has none of them.
 */
export async function applyChange(r: ResourceType, api: Api, prior: TfValue, planned: TfValue, config: TfValue = null): Promise<ApplyResult> {
  const priorObj = prior as TfObject | null;
  try {
    if (planned === null) {
      if (priorObj) await r.delete(api, priorObj).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
      return { state: null, diagnostics: [] };
    }
    const plannedObj = planned as TfObject;
    const input: TfObject = { ...plannedObj };
    for (const [name, a] of entries(r.schema)) if (a.writeOnly) input[name] = (config as TfObject | null)?.[name] ?? null;
    const state = priorObj === null ? await r.create(api, input) : await r.update(api, priorObj, input);
    // the engine may have moved things since the plan: the planned value stands until the next refresh
    if (priorObj !== null) for (const [name, a] of entries(r.schema)) if (a.engineMoved && !(plannedObj[name] instanceof Unknown)) state[name] = plannedObj[name] ?? null;
    return { state: withBlocks(r, state, plannedObj), diagnostics: [] };
  } catch (err) {
    const verb = planned === null ? 'destroying' : priorObj === null ? 'creating' : 'updating';
    if (err instanceof PartialCreateError) return { state: withBlocks(r, err.state, planned as TfObject), diagnostics: diagnosticsOf(err.reason, `${r.name}: ${verb}`, r.fieldNames) };
    // a failed update keeps the prior state (Terraform keeps it on error); a failed create, none
    return { state: priorObj, diagnostics: diagnosticsOf(err, `${r.name}: ${verb}`, r.fieldNames) };
  }
}

/** Refresh: the object as the API has it now, null when it is gone. */
export async function readState(r: ResourceType, api: Api, current: TfValue): Promise<ApplyResult> {
  const cur = current as TfObject | null;
  if (!cur || typeof cur['id'] !== 'string') return { state: cur, diagnostics: [] };
  try {
    const state = await r.read(api, cur['id'], cur);
    return { state: state && withBlocks(r, state, cur), diagnostics: [] };
  } catch (err) {
    if (err instanceof NotFoundError) return { state: null, diagnostics: [] };
    return { state: cur, diagnostics: diagnosticsOf(err, `${r.name}: reading ${cur['id']}`, r.fieldNames) };
  }
}

export async function importState(r: ResourceType, api: Api, id: string): Promise<ApplyResult> {
  try {
    const state = await r.read(api, id, null);
    if (state) return { state: withBlocks(r, state, null), diagnostics: [] };
  } catch (err) {
    if (!(err instanceof NotFoundError)) return { state: null, diagnostics: diagnosticsOf(err, `${r.name}: importing ${id}`, r.fieldNames) };
  }
  return { state: null, diagnostics: [{ severity: 'ERROR', summary: `${r.name}: cannot import ${id}`, detail: `No ${r.name} with id ${id} (or it belongs to another tenant).` }] };
}

/**
 * Blocks (timeouts) and secret attributes live only in the configuration: carried from the
 * planned or prior state into the new one, null after import.
 */
function withBlocks(r: ResourceType, state: TfObject, from: TfObject | null): TfObject {
  const out: TfObject = { ...state };
  for (const [name, b] of Object.entries(r.schema.blocks ?? {})) if (!b.fromApi) out[name] = from?.[name] ?? null;
  for (const [name, a] of entries(r.schema)) if (a.secret) out[name] = from?.[name] instanceof Unknown ? null : (from?.[name] ?? null);
  for (const [name, a] of entries(r.schema)) if (a.writeOnly) out[name] = null;
  return out;
}

/**
 * Write-only attributes set in `config`: refused when the CLI cannot handle them (Terraform before
 * 1.11), and next to the stored attribute they replace (`password_wo` and `password`).
 */
export function validateWriteOnly(r: ResourceType, config: TfObject | null, allowed: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, a] of entries(r.schema)) {
    if (!a.writeOnly || config?.[name] === null || config?.[name] === undefined) continue;
    const at = { steps: [{ attribute_name: name }] };
    if (!allowed) out.push({ severity: 'ERROR', summary: `${name} is write-only`, detail: 'Write-only arguments need Terraform 1.11 or OpenTofu 1.11 or later; use the sensitive attribute without `_wo` instead.', attribute: at });
    const stored = name.replace(/_wo$/, '');
    if (stored !== name && config[stored] !== null && config[stored] !== undefined) {
      out.push({ severity: 'ERROR', summary: `Conflicting ${stored} and ${name}`, detail: `Give ${stored} (kept in the state, sensitive) or ${name} (write-only, never stored), not both.`, attribute: at });
    }
  }
  return out;
}
