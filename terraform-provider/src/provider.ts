/**
 * The tfplugin6.Provider methods: schemas, validation, configuration, and the resource life cycle
 * (framework/resource.ts) over msgpack DynamicValues. Errors become diagnostics; only a bug in the
 * provider itself reaches gRPC as an error status.
 */
import { Api } from './api/client';
import { type Diagnostic, error } from './framework/diagnostics';
import { applyChange, importState, planChange, readState, resourceObjectType, type ResourceType } from './framework/resource';
import { objectTypeOf, parseDuration, protoSchema, type SchemaSpec } from './framework/schema';
import { decodeJson, decodeMsgpack, encodeMsgpack, isUnknown, type TfObject, type TfType, type TfValue } from './protocol/values';
import type { ProviderHandlers } from './protocol/server';
import { resourceTypes } from './resources';
import { dataSourceTypes } from './data-sources';
import { type DataSourceType, readDataSource } from './framework/data-source';

interface DynamicValue {
  msgpack?: Buffer;
  json?: Buffer;
}

const providerSchema: SchemaSpec = {
  version: 0,
  description: 'The HAaaS provider: clusters, nodes, fencing, failover domains, resources and services of HAaaS (High Availability as a Service).',
  attributes: {
    endpoint: { type: 'string', optional: true, description: 'The API: its origin (`https://haaas.example.com`) or GraphQL endpoint. Default: `HAAAS_URL`.' },
    token: { type: 'string', optional: true, sensitive: true, description: 'A bearer token of the API. Default: `HAAAS_TOKEN`.' },
  },
};

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
    ValidateResourceConfig: async (req: { type_name: string; config: DynamicValue }) => {
      const r = resource(req.type_name);
      return { diagnostics: validateTimeouts(decodeValue(req.config, resourceObjectType(r))) };
    },
    ValidateDataResourceConfig: async (req: { type_name: string; config: DynamicValue }) => {
      const d = dataSource(req.type_name);
      const config = decodeValue(req.config, objectTypeOf(d.schema)) as TfObject | null;
      return { diagnostics: config && d.validate ? d.validate(config) : [] };
    },
    ConfigureProvider: async (req: { config: DynamicValue }) => {
      const config = (decodeValue(req.config, objectTypeOf(providerSchema)) ?? {}) as TfObject;
      const endpoint = typeof config['endpoint'] === 'string' ? config['endpoint'] : options.env['HAAAS_URL'];
      const token = typeof config['token'] === 'string' ? config['token'] : options.env['HAAAS_TOKEN'];
      const diagnostics: Diagnostic[] = [];
      if (!endpoint) diagnostics.push(error('No HAaaS endpoint', 'Set `endpoint` in the provider block or the HAAAS_URL environment variable.', 'endpoint'));
      if (!token) diagnostics.push(error('No HAaaS token', 'Set `token` in the provider block or the HAAAS_TOKEN environment variable.', 'token'));
      if (endpoint && token) api = new Api({ url: endpoint, token, onRequest: options.onApiRequest });
      return { diagnostics };
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
    ApplyResourceChange: async (req: { type_name: string; prior_state: DynamicValue; planned_state: DynamicValue; planned_private: Buffer }) => {
      const r = resource(req.type_name);
      const t = resourceObjectType(r);
      const result = await applyChange(r, configured(), decodeValue(req.prior_state, t), decodeValue(req.planned_state, t));
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
