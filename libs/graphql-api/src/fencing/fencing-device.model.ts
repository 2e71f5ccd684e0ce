import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { fencingSecretOptionKeys } from '@haaas/management';
import type { FencingAssociationRecord, FencingDeviceRecord } from '@haaas/management';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'A fence-agent option, `key=value` as the agent reads it on stdin.' })
export class FencingOption {
  @Field({ description: 'Agent parameter name, e.g. `ip`, `username`, `lanplus`, `plug`.' })
  key!: string;

  @Field()
  value!: string;
}

@ObjectType({
  description:
    'A way to power off or isolate nodes: a fence agent (fence_ipmilan, fence_redfish, ...) or the hypervisor manager (builtin:*). Secret options are write-only: only their names are shown.',
})
export class FencingDevice {
  @Field(() => ID)
  id!: string;

  /** Not a schema field: `FencingDevice.cluster` is resolved from it (batched). */
  clusterId!: string;

  @Field({ description: 'Unique in the cluster.' })
  name!: string;

  @Field({ description: '`fence_<name>` from the standard fence-agents, or builtin:vsphere, builtin:libvirt, builtin:hyperv.' })
  agent!: string;

  @Field(() => [FencingOption], { description: 'Non-secret options, sorted by key.' })
  options!: FencingOption[];

  @Field(() => [String], { description: 'Names of the stored secret options (password, identity_file, ...), sorted; their values are never returned.' })
  secretOptionKeys!: string[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType({ description: 'A fencing device in the fencing topology of one node, at a level, with per-node options (plug, port).' })
export class FencingAssociation {
  @Field(() => ID)
  id!: string;

  /** Not schema fields: `device` and `node` are resolved from them (batched). */
  deviceId!: string;
  nodeId!: string;

  @Field(() => Int, { description: 'Topology level 1-9: level 1 is tried first; all devices of a level must succeed.' })
  level!: number;

  @Field(() => [FencingOption], { description: 'Per-node options, added to (and overriding) the device options, sorted by key.' })
  options!: FencingOption[];

  @Field(() => [String], { description: 'Names of the per-node secret options, sorted; values are never returned.' })
  secretOptionKeys!: string[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType({ description: 'One level of the fencing topology of a node: its devices are used together and all must succeed; the next level is tried if one fails.' })
export class FencingLevel {
  @Field(() => Int)
  level!: number;

  @Field(() => [FencingAssociation], { description: 'The associations of this level (each with its device), oldest first.' })
  devices!: FencingAssociation[];
}

@ObjectType()
export class FencingDeviceConnection extends Connection(FencingDevice, 'FencingDevice') {}

export function toFencingOptions(map: Readonly<Record<string, string>>): FencingOption[] {
  return Object.keys(map)
    .sort()
    .map((key) => ({ key, value: map[key] as string }));
}

/** Maps a stored device; the sealed secrets only become their names. */
export function toFencingDevice(d: FencingDeviceRecord): FencingDevice {
  return {
    id: d.id,
    clusterId: d.clusterId,
    name: d.name,
    agent: d.agent,
    options: toFencingOptions(d.options),
    secretOptionKeys: fencingSecretOptionKeys(d.secretOptions),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

export function toFencingAssociation(a: FencingAssociationRecord): FencingAssociation {
  return {
    id: a.id,
    deviceId: a.deviceId,
    nodeId: a.nodeId,
    level: a.level,
    options: toFencingOptions(a.options),
    secretOptionKeys: fencingSecretOptionKeys(a.secretOptions),
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}
