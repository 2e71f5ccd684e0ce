import type { TenantScope } from '@haaas/domain';
import type { GraphQLContext } from './loaders';

export type { TenantScope };
export type Ctx = GraphQLContext;
