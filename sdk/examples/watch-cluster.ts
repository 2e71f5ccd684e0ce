/**
 * Prints a cluster's log as it is appended, over graphql-ws, with a token callback that fetches a
 * fresh token when asked (after the API refused one, or ended the stream at the token's expiry).
 *
 *   npm install @haaas/sdk graphql-ws ws
 *   HAAAS_URL=... npx tsx watch-cluster.ts <clusterId>
 */
import { HaaasClient, NotFoundError, type TokenContext } from '@haaas/sdk';
import WebSocket from 'ws';

let cached: string | undefined;
/** Where a real client exchanges credentials for a token (e.g. Keystone); here: an environment variable. */
async function token({ refresh }: TokenContext): Promise<string> {
  if (!cached || refresh) cached = process.env['HAAAS_TOKEN'] ?? '';
  return cached;
}

const client = new HaaasClient({
  url: process.env['HAAAS_URL'] ?? 'http://127.0.0.1:4000',
  token,
  // Node 20 has no global WebSocket (browsers and Node 22+ do)
  webSocketImpl: WebSocket,
});

async function main(clusterId: string): Promise<void> {
  // the last few entries first, then live ones after the newest of them
  const recent = await client.events.list({ clusterId }, { limit: 5 }).toArray();
  for (const e of [...recent].reverse()) console.log(`${e.at} ${e.type} ${e.message ?? ''}`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    for await (const e of client.subscriptions.clusterEvents({ clusterId, after: recent[0]?.id ?? null }, { signal: controller.signal })) {
      console.log(`${e.at} ${e.type} ${e.message ?? ''}`);
    }
  } catch (e) {
    if (controller.signal.aborted) return;
    if (e instanceof NotFoundError) console.error(`no cluster ${clusterId} in this tenant`);
    else throw e;
  } finally {
    await client.close();
  }
}

const clusterId = process.argv[2];
if (!clusterId) {
  console.error('usage: watch-cluster <clusterId>');
  process.exit(2);
}
main(clusterId).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
