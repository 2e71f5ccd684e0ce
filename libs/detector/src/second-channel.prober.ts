import { Hypervisor, TenantScope } from '@haaas/domain';
import type { HypervisorAdapters, NodeService } from '@haaas/management';
import type { NodeEntity } from '@haaas/persistence';
import { redact } from '@haaas/secrets';
import { askCheckAddress, type AddressAnswer } from './check-address.probe';
import { probeVerdict, type ProbeOutcome, type ProbeVerdict } from './probe-verdict.policy';

export interface SecondChannelAnswer {
  readonly probe: ProbeVerdict;
  /** null when the node has no check address. */
  readonly address: AddressAnswer | null;
}

export interface SecondChannelOptions {
  /** Deadline of one hypervisor probe (default 3 s). */
  readonly probeDeadlineMs: number;
  /** Deadline of one check-address ping (default 1 s). */
  readonly addressDeadlineMs: number;
}

/**
 * The detector's second channel: the node's hypervisor manager (through the adapter, with the
 * node's credentials) and its check address, asked in parallel, each with a deadline. Probes are
 * not logged one by one (NodeProbeService does that for an operator's probe): a suspect node is
 * probed every few seconds, and its status reason and status events carry the answer.
 */
export class SecondChannelProber {
  constructor(
    private readonly nodes: NodeService,
    private readonly adapters: HypervisorAdapters,
    private readonly options: SecondChannelOptions,
  ) {}

  async ask(scope: TenantScope, node: NodeEntity, hypervisor: Hypervisor): Promise<SecondChannelAnswer> {
    const [probe, address] = await Promise.all([
      this.probe(scope, node, hypervisor),
      node.checkAddress ? askCheckAddress(node.checkAddress, this.options.addressDeadlineMs) : Promise.resolve(null),
    ]);
    return { probe, address };
  }

  private async probe(scope: TenantScope, node: NodeEntity, hypervisor: Hypervisor): Promise<ProbeVerdict> {
    const adapter = this.adapters.get(hypervisor);
    if (!adapter) return probeVerdict(hypervisor, { kind: 'NO_ADAPTER' });
    let secrets: string[] = [];
    let outcome: ProbeOutcome;
    try {
      const credentials = await this.nodes.credentials(scope, node.id);
      secrets = credentials.password ? [credentials.password] : [];
      const host = adapter.connect({ uri: credentials.uri, username: credentials.username, password: credentials.password, host: node.hostname });
      try {
        outcome = { kind: 'ANSWER', probe: await host.probe({ signal: AbortSignal.timeout(this.options.probeDeadlineMs) }) };
      } finally {
        await host.close().catch(() => undefined);
      }
    } catch (error) {
      outcome = { kind: 'ERROR', error };
    }
    const verdict = probeVerdict(hypervisor, outcome);
    // adapters redact their own messages; the detail goes to the status reason and the log, so once more
    return secrets.length > 0 ? { ...verdict, detail: redact(verdict.detail, secrets) } : verdict;
  }
}
