import {
  type DocumentNode,
  getNamedType,
  getNullableType,
  GraphQLID,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLList,
  type GraphQLSchema,
  TypeInfo,
  valueFromAST,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { BadInputError, type FieldProblem } from '@haaas/domain';

/** Every object id the API hands out is a UUID (v7, time-ordered). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Tenant ids are the `tenant` claim of their tokens (TENANT_ID_PATTERN of @haaas/auth). */
const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The IDs that name a tenant rather than an object: `Query.tenant(id)` and the tenant inputs' `id`. */
const TENANT_IDS = new Set(['Query.tenant.id', 'CreateTenantInput.id', 'SetTenantQuotaInput.id', 'Query.tenantRateLimits.id', 'SetTenantRateLimitsInput.id']);

type Form = 'uuid' | 'tenant';

function problemOf(value: unknown, form: Form, path: string): FieldProblem | undefined {
  if (typeof value !== 'string') return undefined; // an ID given as a number: coerced, then not found
  if (value === '') return { field: path, message: 'must not be empty' };
  const ok = form === 'uuid' ? UUID.test(value) : TENANT_ID.test(value);
  return ok ? undefined : { field: path, message: form === 'uuid' ? 'must be an id as the API returns it (a UUID)' : 'must be 1-64 letters, digits, "_" or "-"' };
}

/** Walks a coerced argument value along its input type, collecting the ID leaves that are malformed. */
function collect(value: unknown, type: GraphQLInputType, form: Form, path: string, out: FieldProblem[]): void {
  if (value === null || value === undefined) return;
  const t = getNullableType(type);
  if (t instanceof GraphQLList) {
    if (Array.isArray(value)) value.forEach((v, i) => collect(v, t.ofType as GraphQLInputType, form, `${path}[${i}]`, out));
    else collect(value, t.ofType as GraphQLInputType, form, path, out);
    return;
  }
  if (t instanceof GraphQLInputObjectType) {
    if (typeof value !== 'object') return;
    const fields = t.getFields();
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      const field = fields[name];
      if (field) collect(v, field.type, TENANT_IDS.has(`${t.name}.${name}`) ? 'tenant' : 'uuid', `${path}.${name}`, out);
    }
    return;
  }
  if (getNamedType(t) === GraphQLID) {
    const p = problemOf(value, form, path);
    if (p) out.push(p);
  }
}

/**
 * Checks the form of every ID in a validated operation, arguments and fields of input objects
 * alike, literal or variable, before anything runs: a malformed id (`issueNodeAgentToken(nodeId:
 * "abc")`) is BAD_USER_INPUT naming the field, never a lookup that fails deeper down. Driven by the
 * schema, so new arguments and inputs are covered without a list to keep.
 */
export function checkIdForms(schema: GraphQLSchema, document: DocumentNode, variables: Readonly<Record<string, unknown>> | undefined): BadInputError | undefined {
  const problems: FieldProblem[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const arg = typeInfo.getArgument();
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!arg || !parent || !field) return;
        const value = valueFromAST(node.value, arg.type, variables as Record<string, unknown> | undefined);
        const form: Form = TENANT_IDS.has(`${parent.name}.${field.name}.${arg.name}`) ? 'tenant' : 'uuid';
        collect(value, arg.type, form, arg.name, problems);
      },
    }),
  );
  return problems.length ? new BadInputError(dedupe(problems)) : undefined;
}

function dedupe(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
