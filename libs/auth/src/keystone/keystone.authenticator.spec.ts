import type { KeystoneConfig } from '@haaas/config';
import { KeystoneAuthenticator } from './keystone.authenticator';
import type { KeystoneClient, KeystoneToken } from './keystone.client';
import { principalFromKeystone } from './keystone-roles.mapper';

// Pure logic of the cache and the mapping; the real Keystone is in test/e2e/keystone.e2e-spec.ts.
const config = {
  authUrl: 'http://k/v3',
  service: { username: 's', password: 'p', userDomainName: 'Default', projectName: 'service', projectDomainName: 'Default' },
  roles: { admin: ['haaas_admin'], member: ['member'], reader: ['reader'] },
  cacheSeconds: 30,
  cacheSize: 2,
  timeoutMs: 1000,
} satisfies KeystoneConfig;

function fakeClient(tokens: Record<string, KeystoneToken | undefined>): KeystoneClient & { calls: number } {
  const client = {
    calls: 0,
    validate: async (t: string) => {
      client.calls++;
      return tokens[t];
    },
    ping: async () => true,
  };
  return client as unknown as KeystoneClient & { calls: number };
}

const token = (over: Partial<KeystoneToken> = {}): KeystoneToken => ({ userId: 'u1', projectId: 'p1', roles: ['member', 'reader'], expiresAt: Date.now() + 3600_000, ...over });

describe('principalFromKeystone', () => {
  it('project id is the tenant; roles by name; admin only from the configured role', () => {
    expect(principalFromKeystone(token(), config.roles)).toEqual({ subject: 'keystone:u1', tenantId: 'p1', roles: ['member', 'reader'] });
    expect(principalFromKeystone(token({ roles: ['admin', 'reader'] }), config.roles)?.roles).toEqual(['reader']);
    expect(principalFromKeystone(token({ roles: ['haaas_admin'] }), config.roles)?.roles).toEqual(['admin']);
  });
  it('refuses unscoped tokens and tokens without a mapped role', () => {
    expect(principalFromKeystone(token({ projectId: undefined }), config.roles)).toBeUndefined();
    expect(principalFromKeystone(token({ roles: ['load-balancer_member'] }), config.roles)).toBeUndefined();
  });
});

describe('KeystoneAuthenticator', () => {
  afterEach(() => jest.useRealTimers());

  it('asks Keystone once per token within the bound, again after it', async () => {
    jest.useFakeTimers({ now: Date.now() });
    const client = fakeClient({ t: token() });
    const auth = new KeystoneAuthenticator(config, client);
    await Promise.all([auth.authenticate('t'), auth.authenticate('t'), auth.authenticate('t')]);
    expect(client.calls).toBe(1);
    jest.advanceTimersByTime(29_000);
    await auth.authenticate('t');
    expect(client.calls).toBe(1);
    jest.advanceTimersByTime(2_000);
    await auth.authenticate('t');
    expect(client.calls).toBe(2);
  });

  it('never trusts a validation past the token’s expiry (an expired token is refused at once)', async () => {
    jest.useFakeTimers({ now: Date.now() });
    const client = fakeClient({ t: token({ expiresAt: Date.now() + 5_000 }) });
    const auth = new KeystoneAuthenticator(config, client);
    expect(await auth.authenticate('t')).toBeDefined();
    jest.advanceTimersByTime(5_001);
    // Keystone now says 404 for it: the fake still returns the old document, the expiry check refuses it
    expect(await auth.authenticate('t')).toBeUndefined();
    expect(client.calls).toBe(2);
  });

  it('does not cache refusals, and keeps at most cacheSize entries', async () => {
    const client = fakeClient({ a: token(), b: token(), c: token() });
    const auth = new KeystoneAuthenticator(config, client);
    expect(await auth.authenticate('unknown')).toBeUndefined();
    expect(await auth.authenticate('unknown')).toBeUndefined();
    expect(client.calls).toBe(2);
    for (const t of ['a', 'b', 'c', 'a']) await auth.authenticate(t);
    // a was evicted by c (size 2), so it is validated again
    expect(client.calls).toBe(6);
  });
});
