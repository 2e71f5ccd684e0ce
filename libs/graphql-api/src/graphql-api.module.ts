import './common/enums.graphql';
import { randomUUID } from 'node:crypto';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Logger, Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { GraphQLError } from 'graphql';
import { formatError } from './common/error-format';
import { NonEmptyIdPipe } from './common/non-empty-id.pipe';
import { GraphQLContext, LoaderRegistry } from './common/loaders';
import { requestIdPlugin } from './common/request-id.plugin';
import { isWsConnectionContext, wsContext, wsFormatErrors, wsFormatResult, wsOnConnect, wsOnSubscribe } from './operations/ws-context';
import { RESOLVERS } from './resolvers';

const logger = new Logger('GraphQL');
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const logError = (message: string, err: unknown): void => logger.error(message, err instanceof Error ? err.stack : String(err));

/** The GraphQL transport: code-first schema, Apollo, per-request loaders and error mapping. */
@Module({
  imports: [
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      path: '/graphql',
      autoSchemaFile: true,
      sortSchema: true,
      introspection: true,
      playground: false,
      includeStacktraceInErrorResponses: false,
      context: (arg: { req: GraphQLContext['req'] }): GraphQLContext => {
        // operations over graphql-ws: authenticated from the connection's params (see ws-context.ts)
        if (isWsConnectionContext(arg)) return wsContext(arg);
        const { req } = arg;
        const given = req.headers['x-request-id'];
        const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        req.requestId = requestId;
        return { req, loaders: new LoaderRegistry(), requestId };
      },
      formatError: (formatted, error) => formatError(formatted, error, undefined, logError),
      plugins: [requestIdPlugin()],
      // subscriptions over graphql-ws (graphql-transport-ws protocol) on the same path
      subscriptions: {
        'graphql-ws': {
          onConnect: wsOnConnect,
          onSubscribe: (ctx) => wsOnSubscribe(ctx),
          onNext: (_ctx, _id, _payload, args, result) => wsFormatResult(result, args.contextValue, logError),
          // graphql-ws calls it when a stream ends with an error; not in Nest's option type, passed through as is
          ...{ onError: (_ctx: unknown, _id: string, _payload: unknown, errors: readonly GraphQLError[]) => wsFormatErrors(errors, logError) },
        },
      },
    }),
  ],
  // live feeds are woken after each commit that appended events (LiveCommitBridge of @haaas/engine)
  providers: [...RESOLVERS, { provide: APP_PIPE, useClass: NonEmptyIdPipe }],
})
export class GraphqlApiModule {}
