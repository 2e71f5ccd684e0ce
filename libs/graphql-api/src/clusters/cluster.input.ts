import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { ClusterState, HeartbeatSource, Hypervisor } from '@haaas/domain';
import { AttributeInput } from '../common/attribute.model';

@InputType({ description: 'Cluster HA defaults; omitted fields keep their current (or default) value.' })
export class ClusterPolicyInput {
  @Field(() => Int, { nullable: true, description: 'Default 1.' })
  heartbeatIntervalSeconds?: number;

  @Field(() => Int, { nullable: true, description: 'Default 10; at least twice the heartbeat interval.' })
  deadtimeSeconds?: number;

  @Field({ nullable: true, description: 'Default true.' })
  fencingRequired?: boolean;

  @Field(() => Int, { nullable: true, description: 'Default 2.' })
  minHealthyNodes?: number;

  @Field(() => Int, { nullable: true, description: 'Default 300 (0-86400): ONLINE time of a returning preferred node before failback.' })
  failbackStabilisationSeconds?: number;

  @Field(() => Int, { nullable: true, description: 'Default 30 (1-3600): first wait before a failed fence is tried again by itself.' })
  fenceRetrySeconds?: number;
}

@InputType()
export class CreateClusterInput {
  @Field({ description: '1-63 letters, digits, "_", "." or "-"; unique in the tenant.' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Hypervisor)
  hypervisor!: Hypervisor;

  @Field(() => ClusterPolicyInput, { nullable: true })
  policy?: ClusterPolicyInput | null;

  @Field(() => HeartbeatSource, { nullable: true, description: 'Default AGENT. MANAGER and BOTH need a hypervisor manager channel (VSPHERE, HYPERV; not KVM).' })
  heartbeatSource?: HeartbeatSource | null;

  @Field(() => [AttributeInput], { nullable: true })
  attributes?: AttributeInput[] | null;
}

@InputType()
export class UpdateClusterInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => ClusterPolicyInput, { nullable: true })
  policy?: ClusterPolicyInput | null;

  @Field(() => HeartbeatSource, { nullable: true, description: 'Omitted: unchanged.' })
  heartbeatSource?: HeartbeatSource | null;
}

@InputType()
export class ClusterFilter {
  @Field(() => Hypervisor, { nullable: true })
  hypervisor?: Hypervisor | null;

  @Field(() => ClusterState, { nullable: true })
  state?: ClusterState | null;

  @Field(() => String, { nullable: true })
  nameContains?: string | null;
}
