import { Hypervisor, PreconditionFailedError, TenantScope } from '@haaas/domain';
import { AdapterError, HypervisorHost } from '@haaas/hypervisor';
import type { HypervisorAdapters, NodeService } from '@haaas/management';
import type { NodeEntity } from '@haaas/persistence';

/**
 * Connections to the hypervisors of one cluster's nodes for the length of one step (a start, a
 * stop, a search): each node is connected once, with its stored credentials, and every connection
 * is closed at the end. Passwords are kept only to redact them from error messages.
 */
export class HostSessions {
  private readonly hosts = new Map<string, HypervisorHost>();
  private readonly secrets: string[] = [];

  constructor(
    private readonly scope: TenantScope,
    private readonly hypervisor: Hypervisor,
    private readonly adapters: HypervisorAdapters,
    private readonly nodes: NodeService,
  ) {}

  async host(node: NodeEntity): Promise<HypervisorHost> {
    const open = this.hosts.get(node.id);
    if (open) return open;
    const adapter = this.adapters.get(this.hypervisor);
    if (!adapter) throw new PreconditionFailedError(`no adapter for ${this.hypervisor} is configured in this worker`);
    const credentials = this.nodes.credentialsOf(this.scope, node);
    if (credentials.password) this.secrets.push(credentials.password);
    const host = adapter.connect({ uri: credentials.uri, username: credentials.username, password: credentials.password, host: node.hostname });
    this.hosts.set(node.id, host);
    return host;
  }

  /** Credentials seen so far, for redaction. */
  get knownSecrets(): readonly string[] {
    return this.secrets;
  }

  async close(): Promise<void> {
    const hosts = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(hosts.map((h) => h.close().catch(() => undefined)));
  }
}

/** An adapter error as one line for the log, secrets redacted by the caller. */
export function adapterMessage(err: unknown): string {
  if (err instanceof AdapterError) return `${err.kind}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
