import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { type EventType, SystemActor, systemScope } from '@haaas/domain';
import { CommittedEvent, Store } from '@haaas/persistence';
import { AgentTokenService } from './agent-token.service';
import { HeartbeatStore } from './heartbeat.store';

/** The cluster log's entry for a node removed from its cluster (written by NodeService.leave). */
export const NODE_LEFT_EVENT: EventType = 'node.left';

/**
 * When a node has left its cluster (its `node.left` event committed, whoever removed it), its
 * agent token stops working at once and its heartbeat state in Redis is dropped. Done here, on the
 * engine side, by observing the Store's commits: the management layer, which removes the node,
 * may not know the engine's caches (the dependency goes the other way), and observing the
 * committed event means no writer has to remember it. Runs in the process that committed the
 * removal, after the commit and before the mutation answers.
 */
@Injectable()
export class LeftNodeCleanup implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Heartbeats');
  private stopObserving: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly tokens: AgentTokenService,
    private readonly heartbeats: HeartbeatStore,
  ) {}

  onModuleInit(): void {
    this.stopObserving = this.store.observeCommits((events) => this.onCommit(events));
  }

  onApplicationShutdown(): void {
    this.stopObserving?.();
    this.stopObserving = undefined;
  }

  /** Public for tests. */
  async onCommit(events: readonly CommittedEvent[]): Promise<void> {
    const left = events.filter((e) => e.type === NODE_LEFT_EVENT && e.nodeId);
    await Promise.all(left.map((e) => this.forget(e.tenantId, e.clusterId, e.nodeId as string)));
  }

  private async forget(tenantId: string, clusterId: string, nodeId: string): Promise<void> {
    const scope = systemScope(tenantId, SystemActor.AgentApi);
    try {
      // the token first: once it is refused, no new heartbeat can recreate the state dropped next
      await this.tokens.invalidate(scope, nodeId);
      await this.heartbeats.forget(scope, { clusterId, nodeId });
    } catch (err) {
      // the token then lapses with its cache TTL (tokenCacheTtlSeconds) and the state with its retention
      this.logger.warn(`node ${tenantId}/${nodeId} left, but its agent token or heartbeat state was not forgotten: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
