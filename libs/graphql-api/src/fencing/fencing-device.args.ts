import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';
import { FencingDeviceFilter } from './fencing-device.input';

@ArgsType()
export class FencingDevicesArgs extends ConnectionArgs {
  @Field(() => FencingDeviceFilter, { nullable: true })
  filter?: FencingDeviceFilter | null;
}

@ArgsType()
export class ClusterFencingDevicesArgs extends ConnectionArgs {}

@ArgsType()
export class DeassociateFencingDeviceArgs {
  @Field(() => ID)
  deviceId!: string;

  @Field(() => ID)
  nodeId!: string;
}
