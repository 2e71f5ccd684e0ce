import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Attribute } from '../common/attribute.model';

@ObjectType({ description: 'Why a probe or test failed: the adapter error kind (UNREACHABLE, AUTH_FAILED, TIMEOUT, ...) and a message without secrets.' })
export class ActionError {
  @Field()
  kind!: string;

  @Field()
  message!: string;
}

@ObjectType({ description: "A node's host as its hypervisor manager sees it, right now." })
export class NodeProbeResult {
  @Field(() => ID)
  nodeId!: string;

  @Field({ description: 'The hypervisor manager answered.' })
  reachable!: boolean;

  @Field({ description: 'CONNECTED, DISCONNECTED, NOT_RESPONDING, MAINTENANCE or UNKNOWN.' })
  connectionState!: string;

  @Field()
  maintenance!: boolean;

  @Field(() => Int)
  latencyMs!: number;

  @Field(() => [Attribute], { description: 'Platform facts (version, host name).' })
  details!: Attribute[];

  @Field(() => ActionError, { nullable: true })
  error!: ActionError | null;

  @Field()
  at!: Date;
}
