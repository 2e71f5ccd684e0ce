/**
 * The tfplugin6.Provider methods: schemas, validation, configuration, and the resource life cycle
 * (framework/resource.ts) over msgpack DynamicValues. Errors become diagnostics; only a bug in the
 * provider itself reaches gRPC as an error status.
 */
import { Api } from './api/client';
import { type Diagnostic, error } from './framework/diagnostics';
import { applyChange, importState, planChange, readState, resourceObjectType, type ResourceType, validateWriteOnly } from './framework/resource';
import { objectTypeOf, parseDuration, protoSchema } from './framework/schema';
import { connect, providerSchema } from './provider-config';
import { decodeJson, decodeMsgpack, encodeMsgpack, isUnknown, type TfObject, type TfType, type TfValue } from './protocol/values';
import type { ProviderHandlers } from './protocol/server';
import { resourceTypes } from './resources';
import { dataSourceTypes } from './data-sources';
import { type DataSourceType, readDataSource } from './framework/data-source';

interface DynamicValue {
  msgpack?: Buffer;
  json?: Buffer;
}


export interface ProviderOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly onApiRequest?: () => void;
}

/** Decodes a DynamicValue (msgpack, or JSON where Terraform sends JSON). */
function decodeValue(v: DynamicValue | undefined | null, t: TfType): TfValue {
  if (v?.msgpack && v.msgpack.length > 0) return decodeMsgpack(v.msgpack, t);
  if (v?.json && v.json.length > 0) return decodeJson(v.json, t);
  return null;
}
const dyn = (v: TfValue, t: TfType): DynamicValue => ({ msgpack: Buffer.from(encodeMsgpack(v, t)) });

export function createProvider(options: ProviderOptions): ProviderHandlers {
  const byName = new Map<string, ResourceType>(resourceTypes.map((r) => [r.name, r]));
  const dataByName = new Map<string, DataSourceType>(dataSourceTypes.map((d) => [d.name, d]));
  let api: Api | undefined;

  const dataSource = (name: string): DataSourceType => {
    const d = dataByName.get(name);
    if (!d) throw new Error(`unknown data source ${name}`);
    return d;
  };

  const resource = (name: string): ResourceType => {
    const r = byName.get(name);
    if (!r) throw new Error(`unknown resource type ${name}`);
    return r;
  };
  const configured = (): Api => {
    if (!api) throw new Error('the provider was not configured');
    return api;
  };
  const validateTimeouts = (config: TfValue): Diagnostic[] => {
    const t = (config as TfObject | null)?.['timeouts'];
    if (!t || typeof t !== 'object' || Array.isArray(t) || isUnknown(t)) return [];
    return Object.entries(t as TfObject).flatMap(([op, v]) =>
      typeof v === 'string' && parseDuration(v) === undefined ? [error('Invalid duration', `"${v}" is not a duration such as "30s", "10m" or "1h".`, `timeouts.${op}`)] : [],
    );
  };

  return {
    GetMetadata: async () => ({
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false },
      diagnostics: [],
      resources: resourceTypes.map((r) => ({ type_name: r.name })),
      data_sources: dataSourceTypes.map((d) => ({ type_name: d.name })),
    }),
    GetProviderSchema: async () => ({
      provider: protoSchema(providerSchema),
      resource_schemas: Object.fromEntries(resourceTypes.map((r) => [r.name, protoSchema(r.schema)])),
      data_source_schemas: Object.fromEntries(dataSourceTypes.map((d) => [d.name, protoSchema(d.schema)])),
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false },
      diagnostics: [],
    }),
    GetResourceIdentitySchemas: async () => ({ identity_schemas: {}, diagnostics: [] }),
    GetFunctions: async () => ({ functions: {}, diagnostics: [] }),
    ValidateProviderConfig: async () => ({ diagnostics: [] }),
    ValidateResourceConfig: async (req: { type_name: string; config: DynamicValue; client_capabilities?: { write_only_attributes_allowed?: boolean } | null }) => {
      const r = resource(req.type_name);
      const config = decodeValue(req.config, resourceObjectType(r));
      const writeOnly = validateWriteOnly(r, config as TfObject | null, Boolean(req.client_capabilities?.write_only_attributes_allowed));
      return { diagnostics: [...validateTimeouts(config), ...writeOnly] };
    },
    ValidateDataResourceConfig: async (req: { type_name: string; config: DynamicValue }) => {
      const d = dataSource(req.type_name);
      const config = decodeValue(req.config, objectTypeOf(d.schema)) as TfObject | null;
      return { diagnostics: config && d.validate ? d.validate(config) : [] };
    },
    ConfigureProvider: async (req: { config: DynamicValue }) => {
      const config = (decodeValue(req.config, objectTypeOf(providerSchema)) ?? {}) as TfObject;
      const result = await connect(config, options.env, options.onApiRequest);
      api = result.api;
      return { diagnostics: result.diagnostics };
    },
    UpgradeResourceState: async (req: { type_name: string; version: number; raw_state: { json?: Buffer } }) => {
      const r = resource(req.type_name);
      const t = resourceObjectType(r);
      if (req.version > r.schema.version) {
        return { diagnostics: [error(`${r.name}: state of schema version ${req.version} is newer than this provider (${r.schema.version})`, 'Use the provider version that wrote this state, or newer.')] };
      }
      if (!req.raw_state.json || req.raw_state.json.length === 0) return { upgraded_state: dyn(null, t), diagnostics: [] };
      return { upgraded_state: dyn(decodeJson(req.raw_state.json, t), t), diagnostics: [] };
    },
    ReadResource: async (req: { type_name: string; current_state: DynamicValue; private: Buffer }) => {
      const r = resource(req.type_name);
      const t = resourceObjectType(r);
      const result = await readState(r, configured(), decodeValue(req.current_state, t));
      return { new_state: dyn(result.state, t), diagnostics: result.diagnostics, private: req.private };
    },
    PlanResourceChange: async (req: { type_name: string; prior_state: DynamicValue; proposed_new_state: DynamicValue; config: DynamicValue; prior_private: Buffer }) => {
      const r = resource(req.type_name);
      const t = resourceObjectType(r);
      const result = await planChange(r, api, decodeValue(req.prior_state, t), decodeValue(req.proposed_new_state, t), decodeValue(req.config, t));
      return {
        planned_state: dyn(result.planned, t),
        requires_replace: result.requiresReplace.map((name) => ({ steps: [{ attribute_name: name }] })),
        planned_private: req.prior_private,
        diagnostics: result.diagnostics,
      };
    },
    ApplyResourceChange: async (req: { type_name: string; prior_state: DynamicValue; planned_state: DynamicValue; config: DynamicValue; planned_private: Buffer }) => {
      const r = resource(req.type_name);
      const t = resourceObjectType(r);
      const result = await applyChange(r, configured(), decodeValue(req.prior_state, t), decodeValue(req.planned_state, t), decodeValue(req.config, t));
      return { new_state: dyn(result.state, t), private: req.planned_private, diagnostics: result.diagnostics };
    },
    ImportResourceState: async (req: { type_name: string; id: string }) => {
      const r = resource(req.type_name);
      const t = resourceObjectType(r);
      const result = await importState(r, configured(), req.id);
      const imported = result.state === null ? [] : [{ type_name: r.name, state: dyn(result.state, t), private: Buffer.alloc(0) }];
      return { imported_resources: imported, diagnostics: result.diagnostics };
    },
    ReadDataSource: async (req: { type_name: string; config: DynamicValue }) => {
      const d = dataSource(req.type_name);
      const t = objectTypeOf(d.schema);
      const result = await readDataSource(d, configured(), (decodeValue(req.config, t) ?? {}) as TfObject);
      return { state: dyn(result.state, t), diagnostics: result.diagnostics };
    },
    StopProvider: async () => ({ Error: '' }),
  };
}
