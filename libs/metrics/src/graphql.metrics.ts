// the ESM typings, as @nestjs/apollo uses them (@apollo/server ships both, and they do not mix)
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import type { HaaasMetrics } from './haaas.metrics';

/** Operation names are chosen by clients: past this many distinct ones, further names count as `other`. */
export const MAX_OPERATION_NAMES = 500;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Apollo plugin: each GraphQL operation over HTTP by operation name, type (query, mutation) and
 * result code: `OK`, or the first error's extensions.code (UNAUTHENTICATED, BAD_USER_INPUT,
 * QUERY_TOO_COMPLEX …, a closed set), `GRAPHQL_PARSE_FAILED` when it did not parse. Anonymous
 * operations are `anonymous`; names stay bounded (see MAX_OPERATION_NAMES).
 */
export function graphqlMetricsPlugin(metrics: HaaasMetrics): ApolloServerPlugin {
  const seen = new Set<string>();
  const label = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!NAME.test(name)) return 'other';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES) return 'other';
    seen.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      const t0 = performance.now();
      return {
        async willSendResponse({ response, operationName, operation, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          // the formatted errors (formatError gives every one its code), else the raw ones
          const first = (body?.errors ?? errors ?? [])[0];
          const code = first ? codeOf(first.extensions?.['code']) : 'OK';
          metrics.graphqlRequest(label(operationName ?? operation?.name?.value), operation?.operation ?? 'unknown', code, (performance.now() - t0) / 1000);
        },
      };
    },
  };
}

function codeOf(code: unknown): string {
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,39}$/.test(code) ? code : 'INTERNAL_SERVER_ERROR';
}
