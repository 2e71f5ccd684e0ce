import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLContext } from './loaders';

/** Puts the request id on every error and in the `x-request-id` response header, so a client's report can be traced in the logs. */
export function requestIdPlugin(): ApolloServerPlugin<BaseContext> {
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
