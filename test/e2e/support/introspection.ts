import { getIntrospectionQuery, IntrospectionField, IntrospectionInputValue, IntrospectionQuery, IntrospectionType, IntrospectionTypeRef } from 'graphql';
import type { TestApi } from './api';

/** Reads the served schema by introspection, so the walkers below cover new operations automatically. */
export class SchemaMap {
  private readonly types = new Map<string, IntrospectionType>();

  constructor(readonly introspection: IntrospectionQuery) {
    for (const t of introspection.__schema.types) this.types.set(t.name, t);
  }

  static async load(api: TestApi, token: string): Promise<SchemaMap> {
    return new SchemaMap(await api.ok<IntrospectionQuery>(token, getIntrospectionQuery({ descriptions: false })));
  }

  type(name: string): IntrospectionType {
    const t = this.types.get(name);
    if (!t) throw new Error(`no type ${name}`);
    return t;
  }

  fieldsOf(typeName: string): readonly IntrospectionField[] {
    const t = this.type(typeName);
    return t.kind === 'OBJECT' ? t.fields : [];
  }

  get queries(): readonly IntrospectionField[] {
    return this.fieldsOf(this.introspection.__schema.queryType.name);
  }

  get mutations(): readonly IntrospectionField[] {
    const m = this.introspection.__schema.mutationType;
    return m ? this.fieldsOf(m.name) : [];
  }

  /** A selection of every field without required arguments, `depth` levels of objects deep. */
  selection(typeRef: IntrospectionTypeRef, depth: number): string {
    const named = unwrap(typeRef);
    const t = this.type(named.name);
    if (t.kind !== 'OBJECT') return '';
    const parts: string[] = [];
    for (const f of t.fields) {
      if (f.args.some(isRequired)) continue;
      const inner = this.type(unwrap(f.type).name);
      if (inner.kind === 'SCALAR' || inner.kind === 'ENUM') parts.push(f.name);
      else if (inner.kind === 'OBJECT' && depth > 0) {
        const sub = this.selection(f.type, depth - 1);
        if (sub) parts.push(`${f.name} ${sub}`);
      }
    }
    return parts.length ? `{ ${parts.join(' ')} }` : '';
  }

  /** An operation calling one field with every argument as a variable. */
  operation(kind: 'query' | 'mutation', field: IntrospectionField, depth = 2): string {
    const vars = field.args.map((a) => `$${a.name}: ${typeString(a.type)}`).join(', ');
    const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
    const sel = this.selection(field.type, depth);
    return `${kind}${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''} ${sel} }`;
  }

  /** A value of `typeRef` built by `pick` for leaves (scalars and enums), recursing into inputs. */
  value(typeRef: IntrospectionTypeRef, name: string, pick: (scalar: string, fieldName: string, enumValues: string[]) => unknown): unknown {
    if (typeRef.kind === 'NON_NULL') return this.value(typeRef.ofType, name, pick);
    if (typeRef.kind === 'LIST') return [this.value(typeRef.ofType, name, pick)];
    const t = this.type(typeRef.name);
    if (t.kind === 'ENUM') return pick('ENUM', name, t.enumValues.map((v) => v.name));
    if (t.kind === 'SCALAR') return pick(t.name, name, []);
    if (t.kind === 'INPUT_OBJECT') {
      const out: Record<string, unknown> = {};
      for (const f of t.inputFields) out[f.name] = this.value(f.type, f.name, pick);
      return out;
    }
    return null;
  }
}

export function unwrap(t: IntrospectionTypeRef): { name: string } {
  let cur: IntrospectionTypeRef = t;
  while (cur.kind === 'NON_NULL' || cur.kind === 'LIST') cur = cur.ofType;
  return { name: cur.name };
}

export function isRequired(a: IntrospectionInputValue): boolean {
  return a.type.kind === 'NON_NULL' && a.defaultValue == null;
}

export function typeString(t: IntrospectionTypeRef): string {
  if (t.kind === 'NON_NULL') return `${typeString(t.ofType)}!`;
  if (t.kind === 'LIST') return `[${typeString(t.ofType)}]`;
  return t.name;
}
