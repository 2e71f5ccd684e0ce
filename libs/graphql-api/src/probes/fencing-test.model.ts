import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ActionError } from './node-probe.model';

@ObjectType({ description: 'The answer of a fencing device to a harmless action (status of a node, or monitor of the device).' })
export class FencingTestResult {
  @Field(() => ID)
  deviceId!: string;

  @Field(() => ID, { nullable: true })
  nodeId!: string | null;

  @Field({ description: '`status` (with a node) or `monitor` (the device alone).' })
  action!: string;

  @Field()
  ok!: boolean;

  @Field({ description: 'on, off or unknown.' })
  powerState!: string;

  @Field(() => Int)
  latencyMs!: number;

  @Field(() => Int)
  attempts!: number;

  @Field(() => ActionError, { nullable: true })
  error!: ActionError | null;

  @Field({ description: "The agent's last stderr, secrets redacted (at most 2 KiB)." })
  output!: string;

  @Field()
  at!: Date;
}

@ObjectType({ description: "A parameter of a fence agent, from the agent's own metadata." })
export class FenceAgentParameter {
  @Field()
  name!: string;

  @Field({ description: 'string, integer, second, boolean, select, ...' })
  type!: string;

  @Field()
  required!: boolean;

  @Field(() => String, { nullable: true, description: 'Never shown for secret parameters.' })
  default!: string | null;

  @Field()
  description!: string;

  @Field({ description: 'Stored encrypted and never returned (give it in secretOptions).' })
  secret!: boolean;

  @Field()
  deprecated!: boolean;

  @Field(() => String, { nullable: true, description: 'The older name this parameter replaces.' })
  obsoletes!: string | null;

  @Field(() => [String], { description: 'Accepted values of a select.' })
  choices!: string[];
}

@ObjectType({ description: 'A fencing device type: an installed fence agent (fence_ipmilan, fence_redfish, ...) or a built-in one.' })
export class FenceAgent {
  @Field()
  name!: string;

  @Field()
  shortdesc!: string;

  @Field({ description: 'Fences through the hypervisor manager (builtin:*), not a fence agent.' })
  builtin!: boolean;

  @Field(() => [String])
  actions!: string[];

  @Field(() => [FenceAgentParameter])
  parameters!: FenceAgentParameter[];
}
