import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { ClusterService, FencingDeviceService } from '@haaas/management';
import type { FencingAssociationRecord } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { toCluster } from '../clusters/cluster.resolver';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { DeassociateFencingDeviceArgs, FencingDevicesArgs } from './fencing-device.args';
import { AddFencingDeviceInput, AssociateFencingDeviceInput, FencingOptionInput, SetFencingDeviceOptionsInput } from './fencing-device.input';
import { FencingAssociation, FencingDevice, FencingDeviceConnection, toFencingAssociation, toFencingDevice } from './fencing-device.model';
import { loadFencingCluster } from './fencing.loaders';

function options(list: FencingOptionInput[] | null | undefined): { key: string; value: string }[] {
  return (list ?? []).map((o) => ({ key: o.key, value: o.value }));
}

@Resolver(() => FencingDevice)
export class FencingDeviceResolver {
  constructor(
    private readonly devices: FencingDeviceService,
    private readonly clusters: ClusterService,
  ) {}

  @Query(() => FencingDevice, { description: 'A fencing device by id.' })
  async fencingDevice(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<FencingDevice> {
    return toFencingDevice(await this.devices.get(scope, id));
  }

  @Query(() => FencingDeviceConnection, { description: 'Fencing devices of the tenant, oldest first.' })
  async fencingDevices(@CurrentScope() scope: TenantScope, @Args() args: FencingDevicesArgs): Promise<FencingDeviceConnection> {
    return toConnection(await this.devices.page(scope, args.filter ?? {}, toPageArgs(args)), toFencingDevice);
  }

  @ResolveField(() => Cluster, { description: 'The cluster the device belongs to.' })
  async cluster(@CurrentScope() scope: TenantScope, @Parent() device: FencingDevice, @Context() ctx: GraphQLContext): Promise<Cluster> {
    return toCluster(await loadFencingCluster(ctx, scope, this.clusters, device.clusterId));
  }

  @ResolveField(() => [FencingAssociation], { description: 'The nodes this device fences, by level.' })
  async associations(@CurrentScope() scope: TenantScope, @Parent() device: FencingDevice, @Context() ctx: GraphQLContext): Promise<FencingAssociation[]> {
    const loader = ctx.loaders.get<FencingAssociationRecord[]>('fencing.deviceAssociations', null, (ids) => this.devices.associationsOfDevices(scope, ids));
    return (await loader.load(device.id)).map(toFencingAssociation);
  }

  @Mutation(() => FencingDevice, { description: 'Adds a fencing device to a cluster. Secret options are stored encrypted and never returned.' })
  async addFencingDevice(@CurrentScope() scope: TenantScope, @Args('input') input: AddFencingDeviceInput): Promise<FencingDevice> {
    return toFencingDevice(
      await this.devices.add(scope, {
        clusterId: input.clusterId,
        name: input.name,
        agent: input.agent,
        options: options(input.options),
        secretOptions: options(input.secretOptions),
      }),
    );
  }

  @Mutation(() => FencingDevice, { description: 'Deletes a fencing device and removes it from the fencing topology of every node. Returns it as it was.' })
  async deleteFencingDevice(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<FencingDevice> {
    return toFencingDevice(await this.devices.delete(scope, id));
  }

  @Mutation(() => FencingDevice, { description: 'Sets and removes options and secret options of a fencing device, together.' })
  async setFencingDeviceOptions(@CurrentScope() scope: TenantScope, @Args('input') input: SetFencingDeviceOptionsInput): Promise<FencingDevice> {
    return toFencingDevice(
      await this.devices.setOptions(scope, {
        id: input.id,
        set: options(input.set),
        unset: input.unset ?? [],
        setSecrets: options(input.setSecrets),
        unsetSecrets: input.unsetSecrets ?? [],
      }),
    );
  }

  @Mutation(() => FencingAssociation, { description: 'Adds a fencing device to the fencing topology of a node of its cluster, at a level. CONFLICT if it already fences that node.' })
  async associateFencingDevice(@CurrentScope() scope: TenantScope, @Args('input') input: AssociateFencingDeviceInput): Promise<FencingAssociation> {
    return toFencingAssociation(
      await this.devices.associate(scope, {
        deviceId: input.deviceId,
        nodeId: input.nodeId,
        level: input.level,
        options: options(input.options),
        secretOptions: options(input.secretOptions),
      }),
    );
  }

  @Mutation(() => FencingAssociation, { description: 'Removes a fencing device from the fencing topology of a node. Returns the association as it was.' })
  async deassociateFencingDevice(@CurrentScope() scope: TenantScope, @Args() args: DeassociateFencingDeviceArgs): Promise<FencingAssociation> {
    return toFencingAssociation(await this.devices.deassociate(scope, args.deviceId, args.nodeId));
  }
}
