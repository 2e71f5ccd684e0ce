import { applyAttributeChange, AttributeChange, BadInputError, NotFoundError, Problems, TenantScope } from '@haaas/domain';
import type { ClusterEntity, Repositories } from '@haaas/persistence';

/** Initial attributes (a plain list in create inputs); their problems go to `p` as `attributes[i].key`. */
export function collectAttributes(p: Problems, set: AttributeChange['set']): Record<string, string> {
  try {
    return { ...applyAttributeChange({}, { set }) };
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    for (const problem of err.problems) p.add(problem.field.replace(/^attributes\.set\[/, 'attributes['), problem.message);
    return {};
  }
}

/**
 * Locks the cluster a new row refers to, inside the creating transaction, so it cannot be destroyed
 * underneath; a cluster that is absent (or another tenant's) is a bad `clusterId`.
 */
export async function lockClusterRef(repos: Repositories, scope: TenantScope, clusterId: string): Promise<ClusterEntity> {
  return repos.clusters.lock(scope, clusterId).catch((err: unknown) => {
    if (err instanceof NotFoundError) throw BadInputError.of('clusterId', 'no such cluster');
    throw err;
  });
}
