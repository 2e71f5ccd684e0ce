import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';

type Plugin = NonNullable<ApolloDriverConfig['plugins']>[number];

/**
 * Every GraphQL response is `Cache-Control: no-store` (it is one tenant's data, read with its
 * token), as Apollo's cache-control plugin answered when no field carries a cache hint (none
 * does here). That plugin is turned off: it hooks every resolved field (willResolveField, which
 * also makes Apollo wrap every resolver of the schema) to compute a policy that is always
 * "uncacheable" here, a cost paid per field of every response.
 */
export function noStorePlugins(): Plugin[] {
  const noStore: Plugin = {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
  return [ApolloServerPluginCacheControlDisabled() as Plugin, noStore];
}
