import { ArgsType } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';

@ArgsType()
export class TenantsArgs extends ConnectionArgs {}
