import type { INestApplication } from '@nestjs/common';
import { createApiApp } from '@haaas/api-server';
import { signDevToken } from '@haaas/auth';
import { loadConfig } from '@haaas/config';
import { createDatabase } from '@haaas/devstack';
import { runMigrations } from '@haaas/persistence';
import { pool } from './pool';

export interface AgentFleet {
  readonly app: INestApplication;
  readonly apiPort: number;
  /** The fleet's database, for more API processes on the same data. */
  readonly dbUrl: string;
  readonly clusters: readonly string[];
  /** Every node joined, with the agent token issued for it. */
  readonly nodes: readonly { readonly nodeId: string; readonly token: string }[];
  /** How long joining the nodes and issuing their tokens took. */
  readonly seedSeconds: number;
}

/**
 * The API on a fresh database of `infra`, listening on a free port, with `nodes` nodes joined
 * through GraphQL (`perCluster` to a cluster) and an agent token issued for each: the set-up of the
 * benchmarks that play many node agents against one API process.
 */
export async function startAgentFleet(infra: { readonly dbUrl: string; readonly redisUrl: string }, o: { readonly nodes: number; readonly perCluster: number; readonly tenant: string; readonly dbPrefix: string }): Promise<AgentFleet> {
  const dbUrl = await createDatabase(infra.dbUrl, `${o.dbPrefix}_${Date.now()}`);
  await runMigrations({ url: dbUrl });
  const config = loadConfig({
    NODE_ENV: 'test',
    HAAAS_DB_URL: dbUrl,
    HAAAS_REDIS_URL: infra.redisUrl,
    HAAAS_QUOTA_MAX_CLUSTERS: String(Math.ceil(o.nodes / o.perCluster) + 1),
    HAAAS_QUOTA_MAX_NODES: String(o.nodes + 1),
  });
  const app = await createApiApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const apiPort = (app.getHttpServer().address() as { port: number }).port;
  const jwt = await signDevToken({ tenant: o.tenant, roles: ['member'], subject: 'bench' }, config);
  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${apiPort}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  };
  const seedStart = performance.now();
  const clusters = await pool(Math.ceil(o.nodes / o.perCluster), 4, async (c) => {
    const r = await gql<{ createCluster: { id: string } }>(`mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`, { i: { name: `c${c}`, hypervisor: 'KVM' } });
    return r.createCluster.id;
  });
  const nodes = await pool(o.nodes, 16, async (n) => {
    const clusterId = clusters[Math.floor(n / o.perCluster)];
    const host = `n${n}.bench`;
    const joined = await gql<{ joinNode: { id: string } }>(`mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
      i: { clusterId, hostname: host, kind: 'PHYSICAL', endpoint: { uri: `qemu+ssh://${host}/system` }, capacity: { cpus: 64, memoryMb: 262144 } },
    });
    const issued = await gql<{ issueNodeAgentToken: { token: string } }>(`mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { token } }`, { n: joined.joinNode.id });
    return { nodeId: joined.joinNode.id, token: issued.issueNodeAgentToken.token };
  });
  return { app, apiPort, dbUrl, clusters, nodes, seedSeconds: (performance.now() - seedStart) / 1000 };
}
