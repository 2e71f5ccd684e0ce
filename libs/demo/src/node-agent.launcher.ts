import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type GraphQLCaller } from './graphql.client';

const ROOT = resolve(__dirname, '..', '..', '..');

export interface NodeAgentLaunch {
  /** The node the agent speaks for (a token is issued for it). */
  readonly nodeId: string;
  /** A directory name for its config, token and storage-check directory. */
  readonly name: string;
  /** GraphQL endpoint of the API; the agent's apiUrl is its origin. */
  readonly graphqlUrl: string;
  /** Under which `agents/<name>/` is made. */
  readonly dataDir: string;
  /** Resource action types the agent carries out (default none: actions off). */
  readonly actions?: readonly ('IP' | 'APPLICATION' | 'VOLUME')[];
  /** Where the agent's log goes (default inherited stderr). */
  readonly stderr?: 'inherit' | 'ignore';
}

/**
 * Starts the node agent (apps/agent) as its own process for a node, as an operator would install
 * it: a token from issueNodeAgentToken in a 0600 file, a JSON config with a storage-write check
 * on a directory of its own, one heartbeat a second. Used by the demo and the e2e tests.
 */
export async function launchNodeAgent(api: GraphQLCaller, o: NodeAgentLaunch): Promise<ChildProcess> {
  const { issueNodeAgentToken } = await api.call<{ issueNodeAgentToken: { token: string } }>(`mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { token } }`, { n: o.nodeId });
  const dir = join(o.dataDir, 'agents', o.name);
  mkdirSync(join(dir, 'storage'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'token'), issueNodeAgentToken.token, { mode: 0o600 });
  const config = {
    apiUrl: new URL('/', o.graphqlUrl).toString().replace(/\/$/, ''),
    tokenFile: join(dir, 'token'),
    intervalSeconds: 1,
    storage: { path: join(dir, 'storage') },
    allowPlainHttp: true,
    actions: o.actions && o.actions.length > 0 ? { types: o.actions } : { enabled: false },
  };
  writeFileSync(join(dir, 'agent.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  return spawn(process.execPath, [join(ROOT, 'tools', 'run.js'), join(ROOT, 'apps', 'agent', 'src', 'main.ts'), '--config', join(dir, 'agent.json')], {
    stdio: ['ignore', 'ignore', o.stderr ?? 'inherit'],
    env: { ...process.env },
  });
}
