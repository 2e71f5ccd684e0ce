import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ResourceType } from '@haaas/domain';
import { readResourceSpec, ResourceRecord } from '@haaas/management';
import { Attribute, toAttributes } from '../common/attribute.model';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'A VM on the cluster hypervisor.' })
export class VmResourceSpec {
  @Field({ description: 'Name, UUID or managed-object reference (vSphere vm-42) of the VM on the hypervisor.' })
  hypervisorRef!: string;

  @Field(() => Int, { nullable: true, description: 'Clean shutdown grace before power-off; null: the service stop timeout.' })
  shutdownTimeoutSeconds!: number | null;
}

@ObjectType({ description: 'A virtual (floating) IP address.' })
export class IpResourceSpec {
  @Field({ description: 'IPv4 or IPv6 address.' })
  address!: string;

  @Field(() => Int, { description: 'Network prefix length (0-32 for IPv4, 0-128 for IPv6).' })
  prefixLength!: number;

  @Field(() => String, { nullable: true, description: 'Interface to bring it up on; null: the one whose network holds the address.' })
  interface!: string | null;
}

@ObjectType({ description: 'An application or process driven by commands.' })
export class ApplicationResourceSpec {
  @Field({ description: 'Command line that starts it.' })
  startCommand!: string;

  @Field({ description: 'Command line that stops it.' })
  stopCommand!: string;

  @Field(() => String, { nullable: true, description: 'Exits 0 while healthy.' })
  monitorCommand!: string | null;

  @Field(() => String, { nullable: true, description: 'User the commands run as.' })
  user!: string | null;
}

@ObjectType({ description: 'A volume (disk, LUN, share) mounted where its service runs.' })
export class VolumeResourceSpec {
  @Field({ description: 'Storage identifier or path.' })
  ref!: string;

  @Field(() => String, { nullable: true, description: 'Absolute path it is mounted on, if it is mounted.' })
  mountPoint!: string | null;

  @Field(() => String, { nullable: true, description: 'File system type, e.g. ext4, xfs, nfs4, ntfs.' })
  fsType!: string | null;
}

@ObjectType({ description: 'A thing that runs somewhere: a VM, a virtual IP, an application or a volume.' })
export class Resource {
  @Field(() => ID)
  id!: string;

  /** Not a schema field: `Resource.cluster` is resolved from it (batched). */
  clusterId!: string;

  @Field({ description: 'Unique in the cluster.' })
  name!: string;

  @Field(() => ResourceType, { description: 'Which of vm, ip, application and volume is set.' })
  type!: ResourceType;

  @Field(() => VmResourceSpec, { nullable: true, description: 'Set when type is VM.' })
  vm!: VmResourceSpec | null;

  @Field(() => IpResourceSpec, { nullable: true, description: 'Set when type is IP.' })
  ip!: IpResourceSpec | null;

  @Field(() => ApplicationResourceSpec, { nullable: true, description: 'Set when type is APPLICATION.' })
  application!: ApplicationResourceSpec | null;

  @Field(() => VolumeResourceSpec, { nullable: true, description: 'Set when type is VOLUME.' })
  volume!: VolumeResourceSpec | null;

  @Field(() => ID, { nullable: true, description: 'The service (resource group) it belongs to, if any.' })
  serviceId!: string | null;

  @Field(() => Int, { nullable: true, description: 'Start order inside its service (0 first; stop order is the reverse).' })
  position!: number | null;

  @Field(() => [Attribute], { description: 'Free-form attributes, sorted by key.' })
  attributes!: Attribute[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class ResourceConnection extends Connection(Resource, 'Resource') {}

export function toResource(r: ResourceRecord): Resource {
  const spec = readResourceSpec(r.type, r.spec);
  return {
    id: r.id,
    clusterId: r.clusterId,
    name: r.name,
    type: r.type,
    vm: spec.vm ?? null,
    ip: spec.ip ?? null,
    application: spec.application ?? null,
    volume: spec.volume ?? null,
    serviceId: r.serviceId,
    position: r.position,
    attributes: toAttributes(r.attributes),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
