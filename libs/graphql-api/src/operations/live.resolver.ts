import { Inject } from '@nestjs/common';
import { Args, Context, ID, Resolver, Subscription } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { BadInputError, PreconditionFailedError, TenantScope } from '@haaas/domain';
import { AsyncQueue, ClusterEventFeed, OperationFeed } from '@haaas/operations';
import type { OperationRecord } from '@haaas/operations';
import type { EventRecord } from '@haaas/management';
import { Event, toEvent } from '../cluster-log/event.model';
import type { GraphQLContext } from '../common/loaders';
import { Operation, toOperation } from './operation.model';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * When the bearer token of a subscription expires (its `exp`, already verified by the guard): the
 * stream ends then, and the client subscribes again with a fresh token. Without this a revoked
 * or expired token would keep receiving events for as long as the socket lives.
 */
export function tokenExpiryMs(ctx: GraphQLContext): number | null {
  const header = ctx.req.headers['authorization'];
  const token = typeof header === 'string' ? header.replace(/^Bearer\s+/i, '') : '';
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

function endAtExpiry<T>(queue: AsyncQueue<T>, ctx: GraphQLContext): AsyncQueue<T> {
  const expiry = tokenExpiryMs(ctx);
  if (expiry !== null) queue.endAfter(Math.max(0, expiry - Date.now()));
  return queue;
}

/**
 * Live updates over graphql-ws (the `graphql-transport-ws` protocol), authenticated with the same
 * JWT as HTTP, sent as `connectionParams: { authorization: 'Bearer …' }`. Tenant-scoped like every
 * query: another tenant's id is NOT_FOUND before any event is sent. Events reach every API replica
 * whichever process appended them (MySQL is the source, Redis wakes the readers).
 */
@Resolver()
export class LiveResolver {
  constructor(
    @Inject(ClusterEventFeed) private readonly events: ClusterEventFeed | null,
    @Inject(OperationFeed) private readonly operations: OperationFeed | null,
  ) {}

  @Subscription(() => Event, {
    description:
      'The cluster log as it is appended (every state change and every step of every recovery and operation). With `after` (an event id, e.g. the newest of `clusterLog`), the events after it first, then the live ones, without gap or repeat: how a client resumes after reconnecting.',
    resolve: (event: EventRecord) => toEvent(event),
  })
  async clusterEvents(
    @CurrentScope() scope: TenantScope,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('after', { type: () => ID, nullable: true, description: 'Resume after this event id.' }) after: string | null,
    @Context() ctx: GraphQLContext,
  ): Promise<AsyncQueue<EventRecord>> {
    if (after !== null && after !== undefined && !UUID.test(after.toLowerCase())) throw BadInputError.of('after', 'must be an event id');
    if (!this.events) throw new PreconditionFailedError('this process serves no live feeds');
    return endAtExpiry(await this.events.subscribe(scope, clusterId, after ? after.toLowerCase() : null), ctx);
  }

  @Subscription(() => Operation, {
    description: 'An operation now, then at every change (steps, progress, state); completes when the operation ends.',
    resolve: (op: OperationRecord) => toOperation(op),
  })
  async operationUpdated(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string, @Context() ctx: GraphQLContext): Promise<AsyncQueue<OperationRecord>> {
    if (!this.operations) throw new PreconditionFailedError('this process serves no live feeds');
    return endAtExpiry(await this.operations.subscribe(scope, id), ctx);
  }
}
