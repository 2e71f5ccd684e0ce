import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { ResourceType } from '@haaas/domain';
import { AttributeInput } from '../common/attribute.model';

@InputType()
export class VmResourceSpecInput {
  @Field({ description: 'Name, UUID or managed-object reference of the VM on the hypervisor (1-255 characters).' })
  hypervisorRef!: string;

  @Field(() => Int, { nullable: true, description: '1-3600; omitted: the service stop timeout.' })
  shutdownTimeoutSeconds?: number | null;
}

@InputType()
export class IpResourceSpecInput {
  @Field({ description: 'IPv4 or IPv6 address.' })
  address!: string;

  @Field(() => Int, { description: '0-32 for IPv4, 0-128 for IPv6.' })
  prefixLength!: number;

  @Field(() => String, { nullable: true })
  interface?: string | null;
}

@InputType()
export class ApplicationResourceSpecInput {
  @Field()
  startCommand!: string;

  @Field()
  stopCommand!: string;

  @Field(() => String, { nullable: true, description: 'Exits 0 while healthy.' })
  monitorCommand?: string | null;

  @Field(() => String, { nullable: true })
  user?: string | null;
}

@InputType()
export class VolumeResourceSpecInput {
  @Field({ description: 'Storage identifier or path.' })
  ref!: string;

  @Field(() => String, { nullable: true, description: 'Absolute path.' })
  mountPoint?: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. ext4, xfs, nfs4, ntfs.' })
  fsType?: string | null;
}

@InputType({ isAbstract: true })
abstract class ResourceSpecFields {
  @Field(() => VmResourceSpecInput, { nullable: true, description: 'Only for type VM.' })
  vm?: VmResourceSpecInput | null;

  @Field(() => IpResourceSpecInput, { nullable: true, description: 'Only for type IP.' })
  ip?: IpResourceSpecInput | null;

  @Field(() => ApplicationResourceSpecInput, { nullable: true, description: 'Only for type APPLICATION.' })
  application?: ApplicationResourceSpecInput | null;

  @Field(() => VolumeResourceSpecInput, { nullable: true, description: 'Only for type VOLUME.' })
  volume?: VolumeResourceSpecInput | null;
}

@InputType({ description: 'A new resource: give exactly the spec field of its type (GraphQL has no input unions).' })
export class CreateResourceInput extends ResourceSpecFields {
  @Field(() => ID)
  clusterId!: string;

  @Field({ description: '1-63 letters, digits, "_", "." or "-"; unique in the cluster.' })
  name!: string;

  @Field(() => ResourceType)
  type!: ResourceType;

  @Field(() => [AttributeInput], { nullable: true })
  attributes?: AttributeInput[] | null;
}

@InputType({ description: 'Replaces the spec of a resource: give the spec field of its type (the type cannot change).' })
export class UpdateResourceInput extends ResourceSpecFields {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'Filters of the resources of a cluster; all given ones must match.' })
export class ClusterResourceFilter {
  @Field(() => ResourceType, { nullable: true })
  type?: ResourceType | null;

  @Field(() => ID, { nullable: true, description: 'Only the resources of this service.' })
  serviceId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only resources in no service; false: only resources in one.' })
  unassigned?: boolean | null;
}

@InputType({ description: 'Filters of resources; all given ones must match.' })
export class ResourceFilter extends ClusterResourceFilter {
  @Field(() => ID, { nullable: true, description: 'Only the resources of this cluster.' })
  clusterId?: string | null;
}
