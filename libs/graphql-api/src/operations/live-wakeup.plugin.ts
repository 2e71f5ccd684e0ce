import { Inject } from '@nestjs/common';
import { Plugin } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { TenantScope } from '@haaas/domain';
import { LiveSignalPublisher, OPERATIONS_SIGNALS } from '@haaas/engine';
import type { GraphQLContext } from '../common/loaders';

type ApolloPlugin = NonNullable<ApolloDriverConfig['plugins']>[number];
type RequestListener = Awaited<ReturnType<NonNullable<ApolloPlugin['requestDidStart']>>>;

/**
 * After a mutation through this API, wakes the `clusterEvents` feeds of the caller's tenant on
 * every replica: the application services append events without telling anyone, and without this
 * their events would wait for the feeds' fallback poll. One Redis PUBLISH per mutation.
 */
@Plugin()
export class LiveWakeupPlugin implements ApolloPlugin {
  constructor(@Inject(OPERATIONS_SIGNALS) private readonly signals: LiveSignalPublisher) {}

  async requestDidStart(): Promise<RequestListener> {
    const signals = this.signals;
    return {
      async willSendResponse({ operation, contextValue }) {
        if (operation?.operation !== 'mutation') return;
        const scope = (contextValue as Partial<GraphQLContext> & { req?: { tenantScope?: TenantScope } }).req?.tenantScope;
        if (scope) await signals.tenantEvents(scope.tenantId);
      },
    };
  }
}
