import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { NodeKind, NodeStatus } from '@haaas/domain';
import { agentTokenFingerprint } from '@haaas/heartbeats';
import type { NodeRecord } from '@haaas/management';
import { Attribute, toAttributes } from '../common/attribute.model';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'How the control plane reaches the hypervisor of a node. The password is write-only.' })
export class NodeEndpoint {
  @Field({ description: 'Hypervisor endpoint URI, e.g. qemu+ssh://root@host/system or https://vcenter.example.com/sdk.' })
  uri!: string;

  @Field(() => String, { nullable: true, description: 'User the control plane logs in as, if not in the URI.' })
  username!: string | null;

  @Field({ description: 'Whether a password is stored (it is never returned).' })
  hasPassword!: boolean;
}

@ObjectType({ description: 'Resources of a node that services can use.' })
export class NodeCapacity {
  @Field(() => Int, { description: 'Logical CPUs.' })
  cpus!: number;

  @Field(() => Int, { description: 'Memory in MiB.' })
  memoryMb!: number;
}

@ObjectType({ description: 'A hypervisor host (or a VM acting as one) that is a member of a cluster.' })
export class Node {
  @Field(() => ID)
  id!: string;

  /** Not a schema field: `Node.cluster` is resolved from it (batched). */
  clusterId!: string;

  @Field({ description: 'RFC 1123 host name, lower-case, unique in the tenant.' })
  hostname!: string;

  @Field(() => NodeKind, { description: 'PHYSICAL host, or VIRTUAL (a VM acting as a node).' })
  kind!: NodeKind;

  @Field(() => NodeStatus, { description: 'Live status; MAINTENANCE while maintenance is on.' })
  status!: NodeStatus;

  @Field({ description: 'Maintenance mode: the node takes no services and its failure triggers no recovery.' })
  maintenance!: boolean;

  @Field(() => NodeEndpoint, { description: 'How the control plane reaches the hypervisor of this node.' })
  endpoint!: NodeEndpoint;

  @Field(() => NodeCapacity, { description: 'What services placed on this node may use.' })
  capacity!: NodeCapacity;

  @Field(() => String, {
    nullable: true,
    description: 'Address probed when the node is silent: if it answers, the node is EXCLUDED (isolated from us) rather than FAILED.',
  })
  checkAddress!: string | null;

  @Field({ description: 'A spare host: placement uses it only when no other candidate fits.' })
  reserved!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "The fingerprint of the node agent's current token (`sha256:` and 12 hex digits, as issueNodeAgentToken returned it); null when none was issued or it was revoked. Tells which token is valid without showing it.",
  })
  agentTokenFingerprint!: string | null;

  @Field(() => [Attribute], { description: 'Free-form attributes, sorted by key.' })
  attributes!: Attribute[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class NodeConnection extends Connection(Node, 'Node') {}

/** Maps a stored node to the schema type; the sealed password only becomes `hasPassword`. */
export function toNode(n: NodeRecord): Node {
  return {
    id: n.id,
    clusterId: n.clusterId,
    hostname: n.hostname,
    kind: n.kind,
    status: n.status,
    maintenance: n.maintenance,
    endpoint: { uri: n.endpointUri, username: n.endpointUsername, hasPassword: n.endpointSecret !== null },
    capacity: { cpus: n.cpus, memoryMb: n.memoryMb },
    checkAddress: n.checkAddress,
    reserved: n.reserved ?? false,
    agentTokenFingerprint: n.agentTokenHash ? agentTokenFingerprint(n.agentTokenHash) : null,
    attributes: toAttributes(n.attributes),
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
  };
}
