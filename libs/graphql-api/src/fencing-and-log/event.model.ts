import { Field, ID, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { EventRecord } from '@haaas/management';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'An entry of the cluster log: a state change or a step of a recovery. Append-only.' })
export class Event {
  @Field(() => ID, { description: 'Time-ordered (UUIDv7): newer events have greater ids.' })
  id!: string;

  @Field({ description: 'When it was recorded (database clock).' })
  at!: Date;

  @Field({ description: 'Token subject of whoever caused it, or `system:<component>`.' })
  actor!: string;

  @Field({ description: 'What happened, e.g. `cluster.created`, `node.failed`, `fencing_device.associated`.' })
  type!: string;

  @Field({ description: 'Type of the object it is about, e.g. `Cluster`, `Node`, `FencingDevice`.' })
  objectType!: string;

  @Field(() => ID)
  objectId!: string;

  @Field(() => ID, { nullable: true, description: 'The node concerned, if any.' })
  nodeId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The service concerned, if any.' })
  serviceId!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The object before the change (never with secrets).' })
  before!: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The object after the change (never with secrets).' })
  after!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true })
  message!: string | null;
}

@ObjectType()
export class EventConnection extends Connection(Event, 'Event') {}

export function toEvent(e: EventRecord): Event {
  return {
    id: e.id,
    at: e.at,
    actor: e.actor,
    type: e.type,
    objectType: e.objectType,
    objectId: e.objectId,
    nodeId: e.nodeId,
    serviceId: e.serviceId,
    before: e.before,
    after: e.after,
    message: e.message,
  };
}
