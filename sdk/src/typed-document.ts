/**
 * The type of a typed GraphQL document, declared here rather than imported from
 * `@graphql-typed-document-node/core`: that package's typings import `graphql` (3 MB, a peer
 * dependency the SDK never uses at run time), so depending on it for one interface would make every
 * user install `graphql` or fail `tsc` under strict peer handling. The shape is the same, so
 * documents typed with the real package (GraphQL Code Generator's output) fit.
 */
export interface DocumentTypeDecoration<TResult, TVariables> {
  /** Never set at run time: carries the result and variables types. */
  __apiType?: (variables: TVariables) => TResult;
}

/** The result type of a typed document. */
export type ResultOf<T> = T extends DocumentTypeDecoration<infer R, infer _V> ? R : never;
/** The variables type of a typed document. */
export type VariablesOf<T> = T extends DocumentTypeDecoration<infer _R, infer V> ? V : never;
