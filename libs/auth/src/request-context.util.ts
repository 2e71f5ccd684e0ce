import type { IncomingHttpHeaders } from 'node:http';
import type { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { TenantScope } from '@haaas/domain';
import type { GraphQLResolveInfo } from 'graphql';

/** The part of an HTTP request auth reads and writes; an Express request fits it. */
export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  readonly method?: string;
  /** Set by the guard once the token is verified; read with @CurrentScope() or `scopeOfRequest`. */
  tenantScope?: TenantScope;
}

/** One guarded call: its request, and whether it changes state. */
export interface GuardedCall {
  readonly request: AuthRequest | undefined;
  readonly writes: boolean;
}

/** GET and friends only read; every other HTTP method, like every mutation, needs write access. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What is being called, for GraphQL resolvers and HTTP handlers alike. A GraphQL call writes when
 * its operation is a mutation (or its parent type is the Mutation root), so a new mutation is
 * protected without anyone marking it. Other transports (WebSocket, RPC) have no request here and
 * are therefore refused unless @Public().
 */
export function describeCall(context: ExecutionContext): GuardedCall {
  const type = context.getType<GqlContextType>();
  if (type === 'graphql') {
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo | undefined>();
    const mutationType = info?.schema.getMutationType();
    const writes = !info || info.operation.operation === 'mutation' || (mutationType !== null && mutationType !== undefined && info.parentType === mutationType);
    return { request: gql.getContext<{ req?: AuthRequest } | undefined>()?.req, writes };
  }
  if (type === 'http') {
    const request = context.switchToHttp().getRequest<AuthRequest | undefined>();
    return { request, writes: !READ_METHODS.has((request?.method ?? '').toUpperCase()) };
  }
  return { request: undefined, writes: true };
}

export function scopeOfRequest(request: AuthRequest | undefined): TenantScope | undefined {
  return request?.tenantScope;
}
