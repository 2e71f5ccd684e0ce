import { Field, ID, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import type { EventRecord } from '@haaas/management';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'An entry of the cluster log: a state change or a step of a recovery. Append-only.' })
export class Event {
  @Field(() => ID, { description: 'Time-ordered (UUIDv7): newer events have greater ids.' })
  id!: string;

  @Field({ description: 'When it was recorded (database clock).' })
  at!: Date;

  @Field({ description: 'Token subject of whoever caused it, or a system component (`system:detector`, `system:recovery`, `system:operations`, `system:failback`, `system:service-watch`, `system:agent-api`).' })
  actor!: string;

  @Field({ description: 'What happened: one of `Query.eventTypes`, e.g. `cluster.created`, `node.failed`, `fencing_device.associated`.' })
  type!: string;

  @Field({ description: 'Type of the object it is about (the event type says which): `Cluster`, `Node`, `Service`, `Resource`, `FencingDevice`, `FailoverDomain`, `Incident` or `Operation`.' })
  objectType!: string;

  @Field(() => ID)
  objectId!: string;

  @Field(() => ID, { nullable: true, description: 'The node concerned, if any.' })
  nodeId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The service concerned, if any.' })
  serviceId!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'A snapshot of the object (or of the fields that changed) before the change; never with secrets.' })
  before!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The same after the change; never with secrets.' })
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
