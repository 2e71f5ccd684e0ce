import type { GraphQLCaller } from '@haaas/demo';

/** A cluster's incidents as the API lists them (the e2e failover tests wait on them). */
export async function incidents(gql: GraphQLCaller, clusterId: string): Promise<{ state: string; nodeId: string }[]> {
  const r = await gql.call<{ incidents: { nodes: { state: string; nodeId: string }[] } }>(`query($c: ID!) { incidents(filter: { clusterId: $c }) { nodes { state nodeId } } }`, { c: clusterId });
  return r.incidents.nodes;
}

/** Waits for the cluster's first incident to end; returns its state. */
export async function waitForIncidentEnd(gql: GraphQLCaller, clusterId: string, timeoutMs = 90_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < until) {
    state = (await incidents(gql, clusterId))[0]?.state ?? '';
    if (['RECOVERED', 'PARTIALLY_RECOVERED', 'FAILED'].includes(state)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return state;
}
