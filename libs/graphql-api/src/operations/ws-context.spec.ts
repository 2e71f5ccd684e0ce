import { GraphQLError } from 'graphql';
import { NotFoundError } from '@haaas/domain';
import type { GraphQLContext } from '../common/loaders';
import { tokenExpiryMs } from './live.resolver';
import { isWsConnectionContext, MAX_SUBSCRIPTIONS_PER_CONNECTION, wsContext, wsFormatErrors, wsFormatResult, wsOnConnect, wsOnSubscribe } from './ws-context';

describe('operations over graphql-ws', () => {
  it('builds the request the JWT guard reads from connectionParams only, any case, strings only', () => {
    const ctx = wsContext({ connectionParams: { Authorization: 'Bearer t0k', 'X-HAaaS-Tenant': 'acme', cookie: 'session=1', 'x-request-id': 'req-1', extra: { nested: true }, 'x-haaas-other': 'no' } });
    expect(ctx.req.headers).toEqual({ authorization: 'Bearer t0k', 'x-haaas-tenant': 'acme', 'x-request-id': 'req-1' });
    expect(ctx.requestId).toBe('req-1');
    expect(wsContext({ connectionParams: { 'x-request-id': 'bad id with spaces' } }).requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(wsContext({}).req.headers).toEqual({});
  });

  it('tells a graphql-ws context from an HTTP one, and refuses a connection that brings no token', () => {
    expect(isWsConnectionContext({ connectionParams: {}, extra: {} })).toBe(true);
    expect(isWsConnectionContext({ req: { headers: {} } })).toBe(false);
    expect(wsOnConnect({ connectionParams: { authorization: 'Bearer x' } })).toBe(true);
    expect(wsOnConnect({ connectionParams: { authorization: 42 } })).toBe(false);
    expect(wsOnConnect({})).toBe(false);
  });

  it('maps errors as over HTTP: domain codes kept, anything else opaque and logged', () => {
    const logged: string[] = [];
    const notFound = new GraphQLError('Cluster c1 not found', { originalError: new NotFoundError('Cluster', 'c1') });
    const internal = new GraphQLError("ER_BAD_FIELD_ERROR: Unknown column 'x'", { originalError: new Error("ER_BAD_FIELD_ERROR: Unknown column 'x'") });
    const result = wsFormatResult({ data: null, errors: [notFound, internal] }, { requestId: 'r-9' }, (m) => logged.push(m));
    expect(result?.errors).toEqual([
      expect.objectContaining({ message: 'Cluster c1 not found', extensions: { code: 'NOT_FOUND', requestId: 'r-9', kind: 'Cluster', id: 'c1' } }),
      expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'r-9' } }),
    ]);
    expect(JSON.stringify(result)).not.toContain('ER_BAD_FIELD_ERROR');
    expect(logged).toHaveLength(1);
    expect(wsFormatResult({ data: { ok: true } }, {}, () => undefined)).toBeUndefined();
  });

  it('refuses operations beyond the per-connection limit with a code the client can act on', () => {
    const open = (n: number) => ({ subscriptions: Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), null])) });
    expect(wsOnSubscribe(open(MAX_SUBSCRIPTIONS_PER_CONNECTION))).toBeUndefined();
    const refused = wsOnSubscribe(open(MAX_SUBSCRIPTIONS_PER_CONNECTION + 1));
    expect(wsFormatErrors(refused ?? [], () => undefined)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('at most 100 subscriptions'), extensions: expect.objectContaining({ code: 'PRECONDITION_FAILED', reason: 'TOO_MANY_SUBSCRIPTIONS' }) }),
    ]);
  });

  it("ends a subscription when its token expires: reads `exp` of the (already verified) token", () => {
    const token = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
    const ctx = (authorization: string | undefined): GraphQLContext => ({ req: { headers: { authorization } }, loaders: undefined as never, requestId: 'r' });
    expect(tokenExpiryMs(ctx(`Bearer ${token({ exp: 1_900_000_000 })}`))).toBe(1_900_000_000_000);
    expect(tokenExpiryMs(ctx(`Bearer ${token({ sub: 'x' })}`))).toBeNull();
    expect(tokenExpiryMs(ctx('Bearer not-a-jwt'))).toBeNull();
    expect(tokenExpiryMs(ctx(undefined))).toBeNull();
  });
});
