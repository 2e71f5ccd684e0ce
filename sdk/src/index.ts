/**
 * The HAaaS TypeScript SDK: a typed client for the HAaaS GraphQL API.
 *
 * @packageDocumentation
 */
export { HaaasClient, graphqlEndpoint, type HaaasClientOptions, type VariablesArgs } from './client.js';
export * from './errors.js';
export * from './namespaces.js';
export { Paginated, type ListOptions, type Page } from './paginate.js';
export type { CallInfo, CallKind, FetchLike, GraphQLDocument, RequestHooks, OutgoingRequest, RequestOptions, AttemptResult, ResponseLike, RetryOptions, TokenContext, TokenProvider } from './transport.js';
export type { DocumentTypeDecoration, ResultOf, VariablesOf } from './typed-document.js';
export { SDK_VERSION } from './version.js';
export type * from './types.js';
// the generated operation types, input types, enums and typed documents, for `client.request()` and for typing your own code
export * from './generated/graphql.js';
