import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';

export const WS_MAX_MESSAGE_BYTES = Symbol('WS_MAX_MESSAGE_BYTES');

/** The parts of Nest's Apollo driver and of `ws` this reaches (not in their public types). */
interface DriverInternals {
  readonly _subscriptionService?: { readonly wss?: { readonly options: { maxPayload?: number } } };
}

/**
 * Gives graphql-ws messages the HTTP body limit. Nest creates the WebSocket server itself with ws's
 * default (100 MiB) and offers no option for it; ws reads `options.maxPayload` for each new
 * connection, so setting it once the server exists applies to every connection. A message over it
 * closes the connection with 1009 (message too big) before graphql-ws parses anything. Start-up
 * fails if Nest's internals change, rather than silently accepting 100 MiB again.
 */
@Injectable()
export class WsMessageLimit implements OnApplicationBootstrap {
  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(WS_MAX_MESSAGE_BYTES) private readonly maxBytes: number,
  ) {}

  onApplicationBootstrap(): void {
    const graphql = this.moduleRef.get(GraphQLModule, { strict: false });
    const wss = (graphql.graphQlAdapter as unknown as DriverInternals)._subscriptionService?.wss;
    if (!wss) throw new Error('graphql-ws server not found: cannot apply the message size limit');
    wss.options.maxPayload = this.maxBytes;
  }
}
