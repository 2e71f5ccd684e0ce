import { ClusterState, SystemActor, SystemScope, TenantScope } from '@haaas/domain';
import type { Store } from '@haaas/persistence';

/**
 * Every STARTED cluster of every tenant, each with a scope of `actor` (a system actor: admin of
 * each tenant, never a platform admin), tenants paged by id: the walk of the worker's periodic passes (failback,
 * service watch). A failure in one cluster is reported to `onError` and the walk goes on.
 */
export async function forEachStartedCluster(store: Store, actor: SystemActor, fn: (scope: SystemScope, clusterId: string) => Promise<void>, onError: (clusterKey: string, err: unknown) => void): Promise<void> {
  // listing tenants is a platform-admin read; only ids are read with it
  const directory = TenantScope.system('system', actor);
  const pageSize = 500;
  let after: string | null = null;
  for (;;) {
    const page = await store.repos.tenants.list(directory, pageSize, after);
    for (const tenant of page.slice(0, pageSize)) {
      const scope = TenantScope.system(tenant.id, actor);
      for (const cluster of await store.repos.clusters.find(scope, { state: ClusterState.STARTED })) {
        try {
          await fn(scope, cluster.id);
        } catch (err) {
          onError(`${tenant.id}/${cluster.id}`, err);
        }
      }
    }
    if (page.length <= pageSize) break;
    after = page[pageSize - 1]?.id ?? null;
  }
}

/** A pass run every `intervalMs`, never two at once (a slow pass makes the next wait for the following tick). */
export class PeriodicPass {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .catch((err: unknown) => this.onError(err))
        .finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
