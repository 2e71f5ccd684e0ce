import {
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLList,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  visit,
} from 'graphql';
import { type ComplexityEstimatorArgs, getComplexity } from 'graphql-query-complexity';
import { QueryTooComplexError } from '@haaas/domain';
import { MAX_PAGE_SIZE } from '../common/connection.model';

/** What one operation may ask for; checked before it runs (docs/api-limits.md). 0 turns a limit off. */
export interface QueryLimits {
  /** Nesting of object fields (introspection's own `__schema`/`__type` trees are not counted). */
  readonly maxDepth: number;
  /** Aliased fields in the whole document: 1,000 aliased writes are 1,000 requests in one. */
  readonly maxAliases: number;
  /** Estimated objects read: a list multiplies what it selects by its `first` (or the default page). */
  readonly maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 50, maxCost: 100_000 };

/** A list without `first` (an object's own short lists, e.g. a service's resources) counts as this many. */
const UNPAGED_LIST_SIZE = 10;
/** Fields walked at most while estimating (fragments spread many times multiply them). */
const MAX_FIELDS = 10_000;
/** Connection wrappers (`nodes`, `edges`) repeat the page their parent field already counted. */
const CONNECTION_TYPE = /Connection$/;

/**
 * Cost per field: 1 for each object read, times the list's length for a list. Scalars are free
 * (their row was read for the object), so a wide selection is cheap and a deep fan-out is not.
 */
function estimate({ field, type, args, childComplexity }: ComplexityEstimatorArgs): number {
  const returns = getNullableType(field.type);
  const named = getNamedType(field.type);
  const isLeaf = !('getFields' in named);
  if (isLeaf) return 0;
  const first = typeof args['first'] === 'number' ? args['first'] : undefined;
  const own = 1 + childComplexity;
  // a page past MAX_PAGE_SIZE is refused by the resolver with BAD_USER_INPUT: counted as the largest
  if (first !== undefined) return own * Math.min(Math.max(1, first), MAX_PAGE_SIZE);
  if (returns instanceof GraphQLList) return CONNECTION_TYPE.test(type.name) ? own : own * UNPAGED_LIST_SIZE;
  return own;
}

function isIntrospection(name: string): boolean {
  return name.startsWith('__');
}

/** The deepest object nesting of a selection, through fragments (each fragment once per path). */
function depthOf(set: SelectionSetNode | undefined, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen: ReadonlySet<string>): number {
  if (!set) return 0;
  let max = 0;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (isIntrospection(s.name.value)) continue;
      if (s.selectionSet) max = Math.max(max, 1 + depthOf(s.selectionSet, fragments, seen));
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, depthOf(s.selectionSet, fragments, seen));
    } else {
      const name = s.name.value;
      const fragment = fragments.get(name);
      if (fragment && !seen.has(name)) max = Math.max(max, depthOf(fragment.selectionSet, fragments, new Set([...seen, name])));
    }
  }
  return max;
}

function countAliases(document: ASTNode): number {
  let n = 0;
  visit(document, {
    Field(node) {
      if (node.alias) n++;
    },
  });
  return n;
}

function operationOf(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
}

/**
 * The refusal of a validated operation that goes past a limit, or undefined: depth and aliases
 * are counted here; cost is estimated by graphql-query-complexity (it walks fragments, variables,
 * @skip/@include) with the estimator above. Cheap next to running it: one walk of the document.
 */
export function checkQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Readonly<Record<string, unknown>> | undefined,
  limits: QueryLimits,
): QueryTooComplexError | undefined {
  const aliases = countAliases(document);
  if (limits.maxAliases > 0 && aliases > limits.maxAliases) return new QueryTooComplexError('aliases', aliases, limits.maxAliases);
  const operation = operationOf(document, operationName);
  if (!operation) return undefined; // GraphQL itself answers an unknown operation name
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depth = depthOf(operation.selectionSet, fragments, new Set());
  if (limits.maxDepth > 0 && depth > limits.maxDepth) return new QueryTooComplexError('depth', depth, limits.maxDepth);
  if (limits.maxCost <= 0) return undefined;
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      operationName,
      variables: variables as Record<string, unknown> | undefined,
      maxQueryNodes: MAX_FIELDS,
      estimators: [(args) => (isIntrospection(args.field.name) ? 0 : estimate(args))],
    });
  } catch (e) {
    // more than MAX_FIELDS fields to walk (fragments spread many times); any other error is a
    // variable that does not coerce, which execution reports as usual
    if (e instanceof Error && /number of nodes/.test(e.message)) return new QueryTooComplexError('fields', MAX_FIELDS + 1, MAX_FIELDS);
    return undefined;
  }
  if (cost > limits.maxCost) return new QueryTooComplexError('cost', cost, limits.maxCost);
  return undefined;
}
