import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { GraphQLContext } from './loaders';

/** Puts the request id on every error and in the `x-request-id` response header, so a client's report can be traced in the logs. */
/** Taken from the driver's config type: @apollo/server ships CJS and ESM typings, and the driver uses the ESM ones. */
type Plugin = NonNullable<ApolloDriverConfig['plugins']>[number];

export function requestIdPlugin(): Plugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          // the driver is typed for any context; ours is always the GraphQLContext built in the module
          const { requestId } = contextValue as GraphQLContext;
          response.http.headers.set('x-request-id', requestId);
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
              ...e,
              extensions: { ...e.extensions, requestId },
            }));
          }
        },
      };
    },
  };
}
