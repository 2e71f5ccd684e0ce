/**
 * Resource and data source schemas as the provider declares them, and their protocol form
 * (tfplugin6.Schema). Attributes use cty types; nested lists of objects are attributes of
 * list(object) type, the one exception being the `timeouts` block (Terraform's convention).
 */
import { type TfType, type TfValue, typeJson } from '../protocol/values';

export interface AttributeSpec {
  readonly type: TfType;
  /** Shown in docs and in `providers schema` (and so in the CDKTF bindings). */
  readonly description: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  /** Set by the provider or the API; with `optional`, the API's default when left out. */
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  /** A change replaces the object (listed in the plan's requires_replace). */
  readonly forceNew?: boolean;
  /** Sent to the API but never returned by it: kept from the configuration, absent after import. */
  readonly secret?: boolean;
  /**
   * Write-only (protocol 6, Terraform 1.11+, OpenTofu 1.11+): sent to the API from the
   * configuration, never in the plan or the state; with a `<name>_version` attribute that triggers
   * sending it again.
   */
  readonly writeOnly?: boolean;
  /**
   * A value the HA engine changes (current node, status): computed, read fresh on refresh, never a
   * diff. Planned unknown only when one of `changesWith` changes (e.g. a cluster's state with
   * `ha_enabled`); otherwise an apply keeps the planned value and the next refresh reads the new one.
   */
  readonly engineMoved?: boolean;
  readonly changesWith?: readonly string[];
}

export interface BlockSpec {
  readonly description: string;
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
  /**
   * Part of the object the API returns (a resource's `vm { ... }`); otherwise the block is
   * configuration only (`timeouts`), carried from the plan into the state.
   */
  readonly fromApi?: boolean;
}

export interface SchemaSpec {
  readonly version: number;
  readonly description: string;
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
  /** Single nested blocks: `timeouts`, and the type blocks of haaas_resource. */
  readonly blocks?: Readonly<Record<string, BlockSpec>>;
}

/** The object type of a whole resource or block. */
export function objectTypeOf(schema: Pick<SchemaSpec, 'attributes' | 'blocks'>): TfType {
  const object: Record<string, TfType> = {};
  for (const [name, a] of Object.entries(schema.attributes)) object[name] = a.type;
  for (const [name, b] of Object.entries(schema.blocks ?? {})) object[name] = objectTypeOf(b);
  return { object };
}

export interface ProtoAttribute {
  name: string;
  type: Buffer;
  description: string;
  description_kind: 'MARKDOWN';
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
  write_only: boolean;
}

function protoAttributes(attributes: Readonly<Record<string, AttributeSpec>>): ProtoAttribute[] {
  return Object.entries(attributes).map(([name, a]) => ({
    name,
    type: Buffer.from(JSON.stringify(typeJson(a.type))),
    description: a.description,
    description_kind: 'MARKDOWN',
    required: Boolean(a.required),
    optional: Boolean(a.optional),
    computed: Boolean(a.computed),
    sensitive: Boolean(a.sensitive),
    write_only: Boolean(a.writeOnly),
  }));
}

/** tfplugin6.Schema of a resource, data source or the provider. */
export function protoSchema(schema: SchemaSpec): unknown {
  return {
    version: schema.version,
    block: {
      version: schema.version,
      description: schema.description,
      description_kind: 'MARKDOWN',
      attributes: protoAttributes(schema.attributes),
      block_types: Object.entries(schema.blocks ?? {}).map(([name, b]) => ({
        type_name: name,
        nesting: 'SINGLE',
        block: { description: b.description, description_kind: 'MARKDOWN', attributes: protoAttributes(b.attributes) },
      })),
    },
  };
}

/** A `timeouts` block with the operations named (values like "30s", "10m", "1h"). */
export function timeoutsBlock(ops: readonly ('create' | 'update' | 'delete')[], defaults: string): BlockSpec {
  return {
    description: `How long to wait for the API's operations (Go duration strings such as \`"30s"\`, \`"10m"\`; default ${defaults}).`,
    attributes: Object.fromEntries(ops.map((op) => [op, { type: 'string', optional: true, description: `Time limit of ${op}.` } satisfies AttributeSpec])),
  };
}

/** A Go-style duration ("1h30m", "45s", "500ms") in milliseconds; undefined when not one. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? 's'] ?? 0), 0);
}

/** The timeout of an operation from a resource's `timeouts` block. */
export function timeoutOf(state: { readonly [k: string]: TfValue } | null, op: 'create' | 'update' | 'delete', fallbackMs: number): number {
  const block = state?.['timeouts'];
  const value = block && typeof block === 'object' && !Array.isArray(block) ? (block as Record<string, TfValue>)[op] : null;
  return (typeof value === 'string' && parseDuration(value)) || fallbackMs;
}
