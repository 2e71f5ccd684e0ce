import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { NodeKind, NodeStatus } from '@haaas/domain';
import { AttributeInput } from '../common/attribute.model';

@InputType({ description: 'How to reach the hypervisor of a node.' })
export class NodeEndpointInput {
  @Field({
    description:
      'Endpoint URI; its scheme must suit the cluster hypervisor: KVM qemu+ssh, qemu+tls, qemu+tcp, qemu, test+unix or test (libvirt); VSPHERE https; HYPERV http or https (WinRM). No password in the URI.',
  })
  uri!: string;

  @Field(() => String, { nullable: true, description: 'User to log in as, if not in the URI.' })
  username?: string | null;

  @Field(() => String, { nullable: true, description: 'Write-only: stored encrypted, never returned or logged.' })
  password?: string | null;
}

@InputType({ description: 'Endpoint changes; omitted fields are kept.' })
export class UpdateNodeEndpointInput {
  @Field(() => String, { nullable: true, description: 'New URI. Moving to another scheme, host or port needs the password again (or clearPassword).' })
  uri?: string | null;

  @Field(() => String, { nullable: true, description: 'New user name; null removes it.' })
  username?: string | null;

  @Field(() => String, { nullable: true, description: 'New password (write-only).' })
  password?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Removes the stored password.' })
  clearPassword?: boolean | null;
}

@InputType()
export class NodeCapacityInput {
  @Field(() => Int, { description: '1-4096.' })
  cpus!: number;

  @Field(() => Int, { description: 'Memory in MiB, 1-2147483647.' })
  memoryMb!: number;
}

@InputType()
export class JoinNodeInput {
  @Field(() => ID, { description: 'The cluster to join.' })
  clusterId!: string;

  @Field({ description: 'RFC 1123 host name; stored lower-case; unique in the tenant.' })
  hostname!: string;

  @Field(() => NodeKind)
  kind!: NodeKind;

  @Field(() => NodeEndpointInput)
  endpoint!: NodeEndpointInput;

  @Field(() => NodeCapacityInput)
  capacity!: NodeCapacityInput;

  @Field(() => String, { nullable: true, description: 'Asked when the node is silent, to tell FAILED from EXCLUDED: an IP address or host name (ICMP echo), or an https:// URL of the host\'s own endpoint, independent of its manager (an ESXi host\'s /sdk; an HTTPS request).' })
  checkAddress?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'A spare host: placement uses it only when no other candidate fits. Default false.' })
  reserved?: boolean | null;

  @Field(() => [AttributeInput], { nullable: true })
  attributes?: AttributeInput[] | null;
}

@InputType()
export class UpdateNodeInput {
  @Field(() => ID)
  id!: string;

  @Field(() => NodeCapacityInput, { nullable: true })
  capacity?: NodeCapacityInput | null;

  @Field(() => String, { nullable: true, description: 'New check address; null removes it; omitted keeps it.' })
  checkAddress?: string | null;

  @Field(() => UpdateNodeEndpointInput, { nullable: true })
  endpoint?: UpdateNodeEndpointInput | null;

  @Field(() => Boolean, { nullable: true, description: 'Make it a spare host (true) or an ordinary one (false); omitted keeps it.' })
  reserved?: boolean | null;
}

@InputType({ description: 'Filters of the nodes of a cluster; all given ones must match.' })
export class ClusterNodeFilter {
  @Field(() => NodeStatus, { nullable: true })
  status?: NodeStatus | null;

  @Field(() => NodeKind, { nullable: true })
  kind?: NodeKind | null;

  @Field(() => String, { nullable: true, description: 'Part of the host name (case-insensitive).' })
  hostnameContains?: string | null;

  @Field(() => Boolean, { nullable: true })
  maintenance?: boolean | null;
}

@InputType({ description: 'Filters of nodes; all given ones must match.' })
export class NodeFilter extends ClusterNodeFilter {
  @Field(() => ID, { nullable: true, description: 'Only the nodes of this cluster.' })
  clusterId?: string | null;
}
