import { Inject, Injectable } from '@nestjs/common';
import { PreconditionFailedError, TenantScope } from '@haaas/domain';
import { AdapterError, HostConnectionState } from '@haaas/hypervisor';
import { Store } from '@haaas/persistence';
import { redact } from '@haaas/secrets';
import { appendEvent } from '../event-log';
import { NodeService } from '../inventory/node.service';
import { HYPERVISOR_ADAPTERS, INTERACTIVE_DEADLINE_MS } from './probes.tokens';
import type { HypervisorAdapters } from './probes.tokens';

export interface NodeProbeResult {
  readonly nodeId: string;
  /** The hypervisor manager answered. */
  readonly reachable: boolean;
  readonly connectionState: HostConnectionState;
  readonly maintenance: boolean;
  readonly latencyMs: number;
  readonly details: Readonly<Record<string, string>>;
  /** Why it failed, when it did: the adapter's error kind and a message without secrets. */
  readonly error: { readonly kind: string; readonly message: string } | null;
  readonly at: Date;
}

/** Asks a node's hypervisor manager how the host is, through the cluster's adapter, and logs the answer. */
@Injectable()
export class NodeProbeService {
  constructor(
    private readonly store: Store,
    private readonly nodes: NodeService,
    @Inject(HYPERVISOR_ADAPTERS) private readonly adapters: HypervisorAdapters,
  ) {}

  async probe(scope: TenantScope, nodeId: string, deadlineMs = INTERACTIVE_DEADLINE_MS): Promise<NodeProbeResult> {
    const node = await this.store.repos.nodes.get(scope, nodeId);
    const cluster = await this.store.repos.clusters.get(scope, node.clusterId);
    const adapter = this.adapters.get(cluster.hypervisor);
    if (!adapter) throw new PreconditionFailedError(`no adapter for ${cluster.hypervisor} is configured`);
    const credentials = await this.nodes.credentials(scope, nodeId);
    const secrets = credentials.password ? [credentials.password] : [];
    const started = performance.now();
    const host = adapter.connect({ uri: credentials.uri, username: credentials.username, password: credentials.password, host: node.hostname });
    let result: NodeProbeResult;
    try {
      const probe = await host.probe({ signal: AbortSignal.timeout(deadlineMs) });
      result = { nodeId, ...probe, latencyMs: Math.round(probe.latencyMs), error: null, at: new Date() };
    } catch (err) {
      if (!(err instanceof AdapterError)) throw err;
      result = {
        nodeId,
        reachable: false,
        connectionState: 'UNKNOWN',
        maintenance: false,
        latencyMs: Math.round(performance.now() - started),
        details: {},
        error: { kind: err.kind, message: redact(err.message, secrets) },
        at: new Date(),
      };
    } finally {
      await host.close().catch(() => undefined);
    }
    await this.store.transaction((repos) =>
      appendEvent(repos, scope, {
        clusterId: cluster.id,
        type: 'node.probed',
        objectType: 'Node',
        objectId: nodeId,
        nodeId,
        after: { reachable: result.reachable, connectionState: result.connectionState, maintenance: result.maintenance, latencyMs: result.latencyMs, error: result.error },
        message: result.error ? `probe failed: ${result.error.kind}` : `probe: ${result.connectionState} in ${result.latencyMs} ms`,
      }),
    );
    return result;
  }
}
