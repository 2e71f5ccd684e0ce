import { loadConfig } from '@haaas/config';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { signDevToken } from './dev-token.signer';

describe('signDevToken', () => {
  const dev = loadConfig({ NODE_ENV: 'development' });
  const secretOf = (c: typeof dev): Uint8Array => new TextEncoder().encode(c.jwt.key.kind === 'secret' ? c.jwt.key.secret : '');

  it('signs with the development secret and the configured issuer and audience', async () => {
    const token = await signDevToken({ tenant: 'demo', subject: 'alice', roles: ['member'], expiresIn: '2h' }, dev);
    const { payload, protectedHeader } = await jwtVerify(token, secretOf(dev), { issuer: 'haaas-dev', audience: 'haaas', algorithms: ['HS256'] });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: 'alice', tenant: 'demo', roles: ['member'] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(7200);
  });

  it('defaults the subject and the lifetime, and takes seconds as a number', async () => {
    const token = await signDevToken({ tenant: 'demo', roles: ['reader', 'reader'] }, dev);
    expect(decodeJwt(token)).toMatchObject({ sub: 'developer', roles: ['reader'] });
    const claims = decodeJwt(token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(12 * 3600);
    const short = decodeJwt(await signDevToken({ tenant: 'demo', roles: ['admin'], expiresIn: 90 }, dev));
    expect((short.exp ?? 0) - (short.iat ?? 0)).toBe(90);
  });

  it('uses an explicitly configured HS secret and algorithm', async () => {
    const c = loadConfig({ HAAAS_JWT_ALGORITHMS: 'HS512', HAAAS_JWT_SECRET: 'y'.repeat(64) });
    const token = await signDevToken({ tenant: 'demo', roles: ['member'] }, c);
    expect(decodeProtectedHeader(token).alg).toBe('HS512');
    await expect(jwtVerify(token, secretOf(c))).resolves.toBeDefined();
  });

  it('refuses in production', async () => {
    const prod = { ...dev, nodeEnv: 'production' as const };
    await expect(signDevToken({ tenant: 'demo', roles: ['member'] }, prod)).rejects.toThrow(/refused when NODE_ENV=production/);
    const saved = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'production';
    try {
      await expect(signDevToken({ tenant: 'demo', roles: ['member'] }, dev)).rejects.toThrow(/NODE_ENV=production/);
    } finally {
      process.env['NODE_ENV'] = saved;
    }
  });

  it('refuses public-key configurations, bad tenants and bad roles', async () => {
    const rs = { ...dev, jwt: { ...dev.jwt, algorithms: ['RS256' as const], key: { kind: 'jwks' as const, jwksUrl: 'https://id.example/jwks' } } };
    await expect(signDevToken({ tenant: 'demo', roles: ['member'] }, rs)).rejects.toThrow(/need an HS\* configuration/);
    await expect(signDevToken({ tenant: 'de mo', roles: ['member'] }, dev)).rejects.toThrow(/tenant must be/);
    await expect(signDevToken({ tenant: 'demo', roles: [] }, dev)).rejects.toThrow(/roles must be/);
    await expect(signDevToken({ tenant: 'demo', roles: ['root' as 'admin'] }, dev)).rejects.toThrow(/roles must be/);
  });
});
