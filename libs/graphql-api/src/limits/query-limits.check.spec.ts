import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getIntrospectionQuery, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { checkQueryLimits, DEFAULT_QUERY_LIMITS } from './query-limits.check';
import { checkIdForms } from './id-form.check';

const root = join(__dirname, '..', '..', '..', '..');
const schema = buildSchema(readFileSync(join(root, 'apps', 'api', 'schema.graphql'), 'utf8'));
const opsDir = join(root, 'sdk', 'src', 'operations');
const sdkDocument = parse(
  readdirSync(opsDir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => readFileSync(join(opsDir, f), 'utf8'))
    .join('\n'),
);
const operations = sdkDocument.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

describe('query limits', () => {
  it.each(operations.map((o) => [o.name?.value ?? '?']))('let the SDK operation %s through at the largest page (first: 500)', (name) => {
    const refused = checkQueryLimits(schema, sdkDocument, name, { first: 500 }, DEFAULT_QUERY_LIMITS);
    expect(refused).toBeUndefined();
  });

  it('let introspection through (its type tree is not counted)', () => {
    expect(checkQueryLimits(schema, parse(getIntrospectionQuery()), undefined, {}, DEFAULT_QUERY_LIMITS)).toBeUndefined();
  });

  it('count depth through fragments and inline fragments, and refuse past the limit', () => {
    const doc = parse('query { clusters { ...c } } fragment c on ClusterConnection { nodes { ... on Cluster { nodes { nodes { cluster { name } } } } } }');
    expect(checkQueryLimits(schema, doc, undefined, {}, { ...DEFAULT_QUERY_LIMITS, maxDepth: 5 })).toBeUndefined();
    expect(checkQueryLimits(schema, doc, undefined, {}, { ...DEFAULT_QUERY_LIMITS, maxDepth: 4 })).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', actual: 5, maximum: 4 });
  });

  it('multiply the cost by each page size and the nesting', () => {
    const doc = parse('query($a: Int!, $b: Int!) { clusters(first: $a) { nodes { nodes(first: $b) { nodes { id } } } } }');
    const cost = (a: number, b: number): number | undefined => checkQueryLimits(schema, doc, undefined, { a, b }, { ...DEFAULT_QUERY_LIMITS, maxCost: 1 })?.actual;
    // clusters: a × (1 + ClusterConnection.nodes (1 + nodes(first: b): b × (1 + NodeConnection.nodes (1))))
    expect(cost(10, 10)).toBe(10 * (1 + 1 + 10 * (1 + 1)));
    expect(cost(100, 10)).toBe(10 * (cost(10, 10) ?? 0));
  });

  it('refuse a fragment spread fan-out that would take too long to even estimate', () => {
    const spreads = Array.from({ length: 40 }, () => '...f').join(' ');
    const doc = parse(`query { clusters { nodes { ${spreads} } } } fragment f on Cluster { ${spreads.replace(/f/g, 'g')} } fragment g on Cluster { ${spreads.replace(/f/g, 'h')} } fragment h on Cluster { id name }`);
    expect(checkQueryLimits(schema, doc, undefined, {}, { ...DEFAULT_QUERY_LIMITS, maxCost: 1e12 })).toMatchObject({ limit: 'fields' });
  });
});

describe('id forms', () => {
  it('check every ID argument and input field, literal or variable, in lists too; a tenant id keeps its own form', () => {
    const doc = parse(
      'query($id: ID!) { node(id: $id) { id } tenant(id: "a-tenant") { id } cluster(id: "") { id } } mutation($m: [FailoverDomainMemberInput!]!) { createFailoverDomain(input: { clusterId: "01000000-0000-7000-8000-000000000000", name: "d", members: $m }) { id } }',
    );
    const first = doc.definitions[0] as OperationDefinitionNode;
    const second = doc.definitions[1] as OperationDefinitionNode;
    expect(checkIdForms(schema, { ...doc, definitions: [first] }, { id: 'nope' })?.problems).toEqual([
      { field: 'id', message: 'must be an id as the API returns it (a UUID)' },
      { field: 'id', message: 'must not be empty' },
    ]);
    expect(checkIdForms(schema, { ...doc, definitions: [first] }, { id: '01000000-0000-7000-8000-000000000000' })?.problems).toEqual([{ field: 'id', message: 'must not be empty' }]);
    expect(checkIdForms(schema, parse('{ tenant(id: "no spaces") { id } }'), {})?.problems).toEqual([{ field: 'id', message: 'must be 1-64 letters, digits, "_" or "-"' }]);
    expect(checkIdForms(schema, parse('mutation { createTenant(input: { id: "acme-1" }) { id } }'), {})).toBeUndefined();
    expect(checkIdForms(schema, { ...doc, definitions: [second] }, { m: [{ nodeId: '01000000-0000-7000-8000-000000000000' }, { nodeId: 'x' }] })?.problems).toEqual([
      { field: 'input.members[1].nodeId', message: 'must be an id as the API returns it (a UUID)' },
    ]);
  });
});
