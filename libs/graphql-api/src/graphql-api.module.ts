import './common/enums.graphql';
import { randomUUID } from 'node:crypto';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Logger, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { formatError } from './common/error-format';
import { GraphQLContext, LoaderRegistry } from './common/loaders';
import { requestIdPlugin } from './common/request-id.plugin';
import { RESOLVERS } from './resolvers';

const logger = new Logger('GraphQL');
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

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
      context: ({ req }: { req: GraphQLContext['req'] }): GraphQLContext => {
        const given = req.headers['x-request-id'];
        const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        req.requestId = requestId;
        return { req, loaders: new LoaderRegistry(), requestId };
      },
      formatError: (formatted, error) => formatError(formatted, error, undefined, (message, err) => logger.error(message, err instanceof Error ? err.stack : String(err))),
      plugins: [requestIdPlugin()],
    }),
  ],
  providers: [...RESOLVERS],
})
export class GraphqlApiModule {}
