import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { EventLogService } from '@haaas/management';
import { toConnection, toPageArgs } from '../common/connection.model';
import { ClusterLogArgs } from './event.args';
import { toEventFilter } from './event.input';
import { Event, EventConnection, toEvent } from './event.model';
import { EventTypeInfo, eventTypeInfos } from './event-type.model';

@Resolver(() => Event)
export class EventResolver {
  constructor(private readonly eventLog: EventLogService) {}

  @Query(() => EventConnection, { description: 'The log of a cluster, newest first.' })
  async clusterLog(@CurrentScope() scope: TenantScope, @Args() args: ClusterLogArgs): Promise<EventConnection> {
    return toConnection(await this.eventLog.clusterLog(scope, args.clusterId, toEventFilter(args.filter), toPageArgs(args, 'DESC')), toEvent);
  }

  @Query(() => [EventTypeInfo], { description: "The cluster log's event types: what `Event.type` and `EventFilter.types` may be." })
  eventTypes(): EventTypeInfo[] {
    return eventTypeInfos();
  }
}
