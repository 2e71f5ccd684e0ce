import { Field, GraphQLISODateTime, ID, InputType } from '@nestjs/graphql';
import type { EventFilter as EventFilterValue } from '@haaas/management';

@InputType({ description: 'Filters of the cluster log, all applied together.' })
export class EventFilter {
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Events recorded at or after this time.' })
  from?: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Events recorded at or before this time; not before `from`.' })
  to?: Date | null;

  @Field(() => [String], { nullable: true, description: 'Any of these types (up to 20; see `Query.eventTypes`), e.g. ["node.failed", "service.recovered"].' })
  types?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Only events about objects of this type, e.g. `Node`.' })
  objectType?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only events concerning this node.' })
  nodeId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only events concerning this service.' })
  serviceId?: string | null;
}

export function toEventFilter(f: EventFilter | null | undefined): EventFilterValue {
  if (!f) return {};
  return { from: f.from, to: f.to, types: f.types, objectType: f.objectType, nodeId: f.nodeId, serviceId: f.serviceId };
}
