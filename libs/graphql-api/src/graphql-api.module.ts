import './common/enums.graphql';
import { randomUUID } from 'node:crypto';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { formatError } from './common/error-format';
import { errorLogPlugin, GraphqlErrorPassFilter, logRequestErrors } from './common/error-log.plugin';
import { NonEmptyIdPipe } from './common/non-empty-id.pipe';
import { noStorePlugins } from './common/no-store.plugin';
import { GraphQLContext, LoaderRegistry } from './common/loaders';
import { requestIdPlugin } from './common/request-id.plugin';
import { isWsConnectionContext, wsContext, wsFormatErrors, wsFormatResult, wsOnConnect, wsOnSubscribe } from './operations/ws-context';
import { RESOLVERS } from './resolvers';
import { RequestLimits, type RequestLimitsOptions } from './limits/request-limits.plugin';
import { WS_MAX_MESSAGE_BYTES, WsMessageLimit } from './limits/ws-message-limit';
import { REQUEST_ID } from '@haaas/logging';

/** Errors are logged once per request by errorLogPlugin (HTTP) or in onNext/onError (graphql-ws), where the request id is known. */
const logged = (): void => undefined;
const requestIdOf = (contextValue: unknown): string | undefined => (contextValue as Partial<GraphQLContext> | undefined)?.requestId;

/** What the transport is configured with (AppConfig.api of @haaas/config). */
export interface GraphqlApiOptions {
  readonly introspection: boolean;
  readonly landingPage: boolean;
  readonly limits: RequestLimitsOptions;
  /** Largest graphql-ws message, in bytes (the HTTP body limit). */
  readonly wsMaxMessageBytes: number;
  /** More Apollo plugins from the composition root (the metrics' plugin). */
  readonly plugins?: ApolloDriverConfig['plugins'];
}

/** The GraphQL transport: code-first schema, Apollo, per-request loaders, request limits and error mapping. */
@Module({})
export class GraphqlApiModule {
  static forRoot(options: GraphqlApiOptions): DynamicModule {
    const limits = new RequestLimits(options.limits);
    return {
      module: GraphqlApiModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          introspection: options.introspection,
          graphiql: options.landingPage,
          includeStacktraceInErrorResponses: false,
          transformSchema: (schema) => limits.withDeadline(schema),
          context: (arg: { req: GraphQLContext['req'] }): GraphQLContext => {
            // operations over graphql-ws: authenticated from the connection's params (see ws-context.ts)
            if (isWsConnectionContext(arg)) return wsContext(arg);
            const { req } = arg;
            // pino-http already chose it (the client's x-request-id or a new one): log lines and responses agree
            const given = (req as { id?: unknown }).id ?? req.headers['x-request-id'];
            const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
            req.requestId = requestId;
            return { req, loaders: new LoaderRegistry(), requestId };
          },
          formatError: (formatted, error) => formatError(formatted, error, undefined, logged),
          plugins: [...noStorePlugins(), requestIdPlugin(), errorLogPlugin(), limits.plugin(), ...(options.plugins ?? [])],
          // subscriptions over graphql-ws (graphql-transport-ws protocol) on the same path
          subscriptions: {
            'graphql-ws': {
              onConnect: wsOnConnect,
              onSubscribe: (ctx, _id, payload) => wsOnSubscribe(ctx) ?? limits.checkWs(payload),
              onNext: (_ctx, _id, _payload, args, result) => {
                logRequestErrors(result.errors ?? [], requestIdOf(args.contextValue));
                return wsFormatResult(result, args.contextValue, logged);
              },
              // graphql-ws options not in Nest's option type, passed through as they are: its own `execute`
              // (queries and mutations over ws get the request deadline) and onError (a stream ending with an error)
              ...{
                execute: (args: ExecutionArgs) => limits.executeWs(args),
                onError: (_ctx: unknown, _id: string, _payload: unknown, errors: readonly GraphQLError[]) => {
                  logRequestErrors(errors, undefined);
                  return wsFormatErrors(errors, logged);
                },
              },
            },
          },
        }),
      ],
      // live feeds are woken after each commit that appended events (LiveCommitBridge of @haaas/engine)
      providers: [
        ...RESOLVERS,
        { provide: APP_PIPE, useClass: NonEmptyIdPipe },
        { provide: APP_FILTER, useClass: GraphqlErrorPassFilter },
        { provide: WS_MAX_MESSAGE_BYTES, useValue: options.wsMaxMessageBytes },
        WsMessageLimit,
      ],
    };
  }
}
