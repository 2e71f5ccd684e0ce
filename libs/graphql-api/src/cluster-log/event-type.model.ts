import { Field, ObjectType } from '@nestjs/graphql';
import { EVENT_CATALOGUE, EVENT_TYPES } from '@haaas/domain';

@ObjectType({ description: "One of the cluster log's event types (the catalogue: no other type is ever written)." })
export class EventTypeInfo {
  @Field({ description: 'The type as events and filters name it, e.g. `node.failed`.' })
  type!: string;

  @Field({ description: 'What its events are about (their `objectType`), e.g. `Node`.' })
  objectType!: string;

  @Field({ description: 'What it means, in a sentence.' })
  summary!: string;
}

/** The catalogue, in its order (grouped by object). */
export function eventTypeInfos(): EventTypeInfo[] {
  return EVENT_TYPES.map((type) => ({ type, objectType: EVENT_CATALOGUE[type].objectType, summary: EVENT_CATALOGUE[type].summary }));
}
