import { randomUUID } from 'node:crypto';
import { ExecutionResult, FormattedExecutionResult, GraphQLError } from 'graphql';
import { TENANT_HEADER } from '@haaas/auth';
import { PreconditionFailedError } from '@haaas/domain';
import { ErrorLogger, formatError } from '../common/error-format';
import { GraphQLContext, LoaderRegistry } from '../common/loaders';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Headers a WebSocket client may send as `connectionParams` (browsers cannot set headers on a WebSocket). */
const CONNECTION_HEADERS = ['authorization', 'x-auth-token', TENANT_HEADER, 'x-request-id'];

/** What graphql-ws hands the context function and the hooks: the connection's params. */
export interface WsConnectionContext {
  readonly connectionParams?: Readonly<Record<string, unknown>>;
}

function paramsOf(ctx: WsConnectionContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.connectionParams ?? {})) {
    const name = key.toLowerCase();
    if (CONNECTION_HEADERS.includes(name) && typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * The context of an operation over graphql-ws: a request made of the connection's params, so the
 * global JWT guard authenticates a subscription exactly as an HTTP request (same token, same
 * tenant header for platform admins, same read/write rule). Nothing of the WebSocket upgrade's own
 * headers or cookies is used: only what the client put in `connectionParams`.
 */
export function wsContext(ctx: WsConnectionContext): GraphQLContext {
  const headers = paramsOf(ctx);
  const given = headers['x-request-id'];
  const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
  return { req: { headers, requestId }, loaders: new LoaderRegistry(), requestId };
}

export function isWsConnectionContext(arg: unknown): arg is WsConnectionContext & { extra: unknown } {
  return typeof arg === 'object' && arg !== null && 'extra' in arg && 'connectionParams' in arg;
}

/** Refuses a connection that brings no token at all (graphql-ws closes it with 4403); a bad token is refused per operation by the guard. */
export function wsOnConnect(ctx: WsConnectionContext): boolean {
  const params = paramsOf(ctx);
  return typeof params['authorization'] === 'string' || typeof params['x-auth-token'] === 'string';
}

/** Operations open at once on one connection: each live feed costs reads, so a client cannot open them without bound. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

/** Refuses an operation beyond the per-connection limit (graphql-ws counts the new one in `subscriptions`). */
export function wsOnSubscribe(ctx: { readonly subscriptions: Readonly<Record<string, unknown>> }): readonly GraphQLError[] | undefined {
  if (Object.keys(ctx.subscriptions).length <= MAX_SUBSCRIPTIONS_PER_CONNECTION) return undefined;
  const refusal = new PreconditionFailedError(`at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection; end some, or open another connection`, {
    reason: 'TOO_MANY_SUBSCRIPTIONS',
  });
  return [new GraphQLError(refusal.message, { originalError: refusal })];
}

/**
 * The API's error mapping for what graphql-ws sends (it bypasses Apollo's formatError): domain
 * errors keep their code (NOT_FOUND, UNAUTHENTICATED, ...), anything else is an opaque internal
 * error, with the request id either way.
 */
export function wsFormatResult(result: ExecutionResult, contextValue: unknown, log: ErrorLogger): FormattedExecutionResult | undefined {
  if (!result.errors?.length) return undefined;
  const requestId = (contextValue as Partial<GraphQLContext> | undefined)?.requestId;
  return { ...(result.data !== undefined ? { data: result.data } : {}), errors: result.errors.map((e) => formatError(e.toJSON(), e, requestId, log)) };
}

export function wsFormatErrors(errors: readonly GraphQLError[], log: ErrorLogger): ReturnType<typeof formatError>[] {
  return errors.map((e) => formatError(e.toJSON(), e, undefined, log));
}
