/** The real API for the SDK's end-to-end tests, with SDK clients that record what they exercised. */
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { startTestApi, type TestApi } from '../../test/e2e/support/api';
import { HaaasClient, type FetchLike, type HaaasClientOptions } from '@haaas/sdk';

type Role = 'admin' | 'member' | 'reader';

export interface LiveApi {
  readonly api: TestApi;
  /** Root fields (`createCluster`, `nodes`, ...) the API answered without errors, through any client below. */
  readonly exercised: Set<string>;
  /** An SDK client with a real JWT of this tenant and roles. */
  client(tenant: string, roles?: Role[], options?: Partial<HaaasClientOptions>): Promise<HaaasClient>;
  close(): Promise<void>;
}

export async function startLiveApi(): Promise<LiveApi> {
  const api = await startTestApi();
  const exercised = new Set<string>();
  // the global fetch, noting the root fields of every request that succeeded
  const recording: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { data?: unknown; errors?: unknown[] };
      if (body.data && !body.errors?.length) {
        const { query } = JSON.parse(init.body) as { query: string };
        const op = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
        for (const s of op?.selectionSet.selections ?? []) if (s.kind === Kind.FIELD) exercised.add(s.name.value);
      }
    } catch {
      // not JSON: nothing to record, the client reports it
    }
    return { status: response.status, headers: response.headers, text: async () => text };
  };
  return {
    api,
    exercised,
    async client(tenant, roles = ['member'], options = {}) {
      const token = await api.token(tenant, roles);
      return new HaaasClient({ url: api.url, token, fetch: recording, ...options });
    },
    close: () => api.close(),
  };
}
