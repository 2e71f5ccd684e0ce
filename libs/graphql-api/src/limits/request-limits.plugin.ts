import type { ApolloDriverConfig } from '@nestjs/apollo';
import { defaultFieldResolver, type DocumentNode, execute, type ExecutionArgs, type ExecutionResult, GraphQLError, GraphQLObjectType, type GraphQLSchema, parse, validate } from 'graphql';
import { DeadlineExceededError, type DomainError } from '@haaas/domain';
import { checkIdForms } from './id-form.check';
import { checkQueryLimits, type QueryLimits } from './query-limits.check';

type Plugin = NonNullable<ApolloDriverConfig['plugins']>[number];

export interface RequestLimitsOptions {
  readonly query: QueryLimits;
  /** Execution deadline of one query or mutation (HTTP, and over graphql-ws); 0 turns it off. */
  readonly deadlineMs: number;
}

/** HTTP status of a request refused before it ran (it is the client's to change). */
const REFUSED = 400;
/** When a request's deadline falls (performance.now()), on its context. */
const DEADLINE_AT = Symbol('deadlineAt');
/** Marks a context whose request ran past its deadline (the response then carries that error alone). */
const PAST_DEADLINE = Symbol('pastDeadline');

type Context = Record<symbol, unknown>;

/** A domain refusal as a GraphQL error: formatError keeps its code and details, Apollo its HTTP status. */
export function refusal(error: DomainError, status = REFUSED): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, http: { status } } });
}

/**
 * The checks every operation passes before it runs, over HTTP (an Apollo plugin) and over
 * graphql-ws (`onSubscribe`), with the same limits: the form of every id, then depth, aliases and
 * cost. Plus the execution deadline: once past it, every field still to resolve fails at once, and
 * the response is that one error instead of partial data (a stopped request does no more work).
 */
export class RequestLimits {
  private schema: GraphQLSchema | undefined;

  constructor(readonly options: RequestLimitsOptions) {}

  check(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined | null, variables: Readonly<Record<string, unknown>> | undefined): DomainError | undefined {
    return checkIdForms(schema, document, variables) ?? checkQueryLimits(schema, document, operationName ?? undefined, variables, this.options.query);
  }

  plugin(): Plugin {
    const { deadlineMs } = this.options;
    return {
      serverWillStart: async ({ schema }) => {
        this.schema = schema;
      },
      requestDidStart: async () => {
        const startedAt = performance.now();
        return {
          didResolveOperation: async ({ schema, document, operationName, request }) => {
            const refused = this.check(schema, document, operationName, request.variables);
            if (refused) throw refusal(refused);
          },
          executionDidStart: async ({ contextValue }) => {
            if (deadlineMs > 0) (contextValue as Record<symbol, unknown>)[DEADLINE_AT] = startedAt + deadlineMs;
          },
          willSendResponse: async ({ response, contextValue }) => {
            if (response.body.kind === 'single') {
              // refused before anything ran: 429 with Retry-After, what clients (the SDK) retry on
              const waits = (response.body.singleResult.errors ?? []).filter((e) => e.extensions?.['code'] === 'RATE_LIMITED').map((e) => Number(e.extensions?.['retryAfter']) || 1);
              if (waits.length) {
                response.http.status = 429;
                response.http.headers.set('retry-after', String(Math.max(...waits)));
                // no `data`: a request error, as if refused before execution (and Nest's plugin keeps the status)
                response.body.singleResult = { errors: response.body.singleResult.errors?.slice(0, 1) };
                return;
              }
            }
            if (!(contextValue as Context)[PAST_DEADLINE] || response.body.kind !== 'single') return;
            const error = new DeadlineExceededError(deadlineMs);
            const requestId = (contextValue as { requestId?: string }).requestId;
            response.body.singleResult = { data: null, errors: [{ message: error.message, extensions: { code: error.code, requestId, ...error.details } }] };
          },
        };
      },
    };
  }

  /**
   * Wraps every field's resolver with the deadline check (Nest's `transformSchema`): past the
   * deadline a field is not resolved but answered with a rejected promise, so nothing further is
   * read and the request winds down at once. Rejected, not thrown: graphql-js 16 leaves the
   * promises of a list's earlier items unhandled when a later item throws synchronously.
   */
  withDeadline(schema: GraphQLSchema): GraphQLSchema {
    const { deadlineMs } = this.options;
    if (deadlineMs <= 0) return schema;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const resolve = field.resolve ?? defaultFieldResolver;
        field.resolve = (source, args, context: Context | undefined, info) => {
          const at = context?.[DEADLINE_AT];
          if (typeof at === 'number' && (context?.[PAST_DEADLINE] || performance.now() > at)) {
            (context as Context)[PAST_DEADLINE] = true;
            return Promise.reject(new DeadlineExceededError(deadlineMs));
          }
          return resolve(source, args, context, info);
        };
      }
    }
    return schema;
  }

  /**
   * graphql-ws's `execute` (queries and mutations sent over a WebSocket; subscriptions, long-lived by
   * design, go through `subscribe` and have no deadline): the same deadline as over HTTP, and past
   * it the same answer, DEADLINE_EXCEEDED alone instead of partial data.
   */
  async executeWs(args: ExecutionArgs): Promise<ExecutionResult> {
    const { deadlineMs } = this.options;
    const context = args.contextValue as Context | undefined;
    if (deadlineMs > 0 && context) context[DEADLINE_AT] = performance.now() + deadlineMs;
    const result = await execute(args);
    if (!context?.[PAST_DEADLINE]) return result;
    return { data: null, errors: [refusal(new DeadlineExceededError(deadlineMs))] };
  }

  /**
   * graphql-ws's `onSubscribe` hook: the same checks for an operation sent over a WebSocket
   * (queries and mutations too, not only subscriptions). A document that does not parse or
   * validate is left to graphql-ws, which answers it the usual way.
   */
  checkWs(payload: { readonly query?: unknown; readonly operationName?: unknown; readonly variables?: unknown }): readonly GraphQLError[] | undefined {
    const schema = this.schema;
    if (!schema || typeof payload.query !== 'string') return undefined;
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch {
      return undefined;
    }
    if (validate(schema, document).length) return undefined;
    const variables = payload.variables && typeof payload.variables === 'object' ? (payload.variables as Record<string, unknown>) : undefined;
    const operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
    let refused: DomainError | undefined;
    try {
      refused = this.check(schema, document, operationName, variables);
    } catch {
      return undefined; // variables that do not coerce: graphql-ws reports them
    }
    return refused ? [refusal(refused)] : undefined;
  }
}
