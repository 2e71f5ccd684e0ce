import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { UnauthenticatedError, type TenantScope } from '@haaas/domain';
import { ADMIN_ONLY_KEY, INVALID_TOKEN_MESSAGE, IS_PUBLIC_KEY } from './auth.constants';
import { describeCall, scopeOfRequest } from './request-context.util';

/** Opts a handler (or a whole controller/resolver class) out of authentication: health checks, token exchange. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Platform-operator operations: the caller needs the admin role, whatever the operation type. */
export const AdminOnly = (): MethodDecorator & ClassDecorator => SetMetadata(ADMIN_ONLY_KEY, true);

/**
 * The TenantScope of the current request (GraphQL resolver or HTTP handler). Throws
 * UNAUTHENTICATED when there is none, e.g. on a @Public() handler.
 */
export const CurrentScope = createParamDecorator((_data: unknown, context: ExecutionContext): TenantScope => {
  const scope = scopeOfRequest(describeCall(context).request);
  if (!scope) throw new UnauthenticatedError(INVALID_TOKEN_MESSAGE);
  return scope;
});
