import { Field, ID, InputType, Int } from '@nestjs/graphql';

@InputType({ description: 'A fence-agent option: lower-case name (letters, digits, "_", "-"), value up to 4096 characters without line breaks.' })
export class FencingOptionInput {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@InputType()
export class AddFencingDeviceInput {
  @Field(() => ID)
  clusterId!: string;

  @Field({ description: '1-63 letters, digits, "_", "." or "-"; unique in the cluster.' })
  name!: string;

  @Field({ description: '`fence_<name>` (e.g. fence_ipmilan, fence_redfish, fence_vmware_rest) or builtin:vsphere, builtin:libvirt, builtin:hyperv (must match the hypervisor of the cluster).' })
  agent!: string;

  @Field(() => [FencingOptionInput], { nullable: true, description: 'Options in the clear. Secret-named ones (password, passwd, identity_file, ...) are stored as secrets anyway.' })
  options?: FencingOptionInput[] | null;

  @Field(() => [FencingOptionInput], { nullable: true, description: 'Options stored encrypted and never returned (only their names are).' })
  secretOptions?: FencingOptionInput[] | null;
}

@InputType({ description: 'Option changes applied together. A name is stored either in the clear or as a secret: setting it one way moves it.' })
export class SetFencingDeviceOptionsInput {
  @Field(() => ID)
  id!: string;

  @Field(() => [FencingOptionInput], { nullable: true, description: 'Options to add or replace (secret-named ones become secrets).' })
  set?: FencingOptionInput[] | null;

  @Field(() => [String], { nullable: true, description: 'Names to remove; absent names are ignored.' })
  unset?: string[] | null;

  @Field(() => [FencingOptionInput], { nullable: true, description: 'Secret options to add or replace.' })
  setSecrets?: FencingOptionInput[] | null;

  @Field(() => [String], { nullable: true, description: 'Secret option names to remove; absent names are ignored.' })
  unsetSecrets?: string[] | null;
}

@InputType()
export class AssociateFencingDeviceInput {
  @Field(() => ID)
  deviceId!: string;

  @Field(() => ID, { description: 'A node of the cluster of the device.' })
  nodeId!: string;

  @Field(() => Int, { description: 'Topology level 1-9 (1 is tried first).' })
  level!: number;

  @Field(() => [FencingOptionInput], { nullable: true, description: 'Per-node options, e.g. `plug` or `port` naming the node for this device.' })
  options?: FencingOptionInput[] | null;

  @Field(() => [FencingOptionInput], { nullable: true, description: 'Per-node secret options (write-only).' })
  secretOptions?: FencingOptionInput[] | null;
}

@InputType()
export class FencingDeviceFilter {
  @Field(() => ID, { nullable: true })
  clusterId?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact agent, e.g. fence_ipmilan.' })
  agent?: string | null;
}
