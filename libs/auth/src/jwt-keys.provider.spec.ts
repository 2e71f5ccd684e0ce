import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JwtAlgorithm } from '@haaas/config';
import { INVALID_TOKEN_MESSAGE } from './auth.constants';
import { callGraphql, callHttp, DEFAULT_CLAIMS, hsConfig, mint, startProbeApp, type ProbeApp } from './testing/auth-test.harness';

interface Pair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly pem: string;
}

function pair(kind: 'rsa' | 'ec'): Pair {
  const { publicKey, privateKey } = kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { publicKey, privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const rsa = pair('rsa');
const rsaNext = pair('rsa');
const ec = pair('ec');
const stranger = pair('rsa');

function pemConfig(algorithms: JwtAlgorithm[], publicKeys: string[]) {
  return hsConfig({ algorithms, key: { kind: 'public-keys', publicKeys } });
}

async function status(app: ProbeApp, token: string): Promise<number> {
  return (await callHttp(app.url, '/probe/me', { token })).status;
}

describe('PEM public keys', () => {
  it('verifies RS256', async () => {
    const app = await startProbeApp(pemConfig(['RS256'], [rsa.pem]));
    try {
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'RS256', key: rsa.privateKey }))).toBe(200);
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'RS256', key: stranger.privateKey }))).toBe(401);
      // algorithm confusion: an HS256 token "signed" with the public key as the HMAC secret
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'HS256', key: new TextEncoder().encode(rsa.pem) }))).toBe(401);
      expect(await status(app, await mint(DEFAULT_CLAIMS))).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('verifies ES256', async () => {
    const app = await startProbeApp(pemConfig(['ES256'], [ec.pem]));
    try {
      const token = await mint(DEFAULT_CLAIMS, { alg: 'ES256', key: ec.privateKey });
      expect(await callGraphql(app.url, '{ whoami { tenant subject } }', { token })).toEqual({ data: { whoami: { tenant: 'acme', subject: 'alice' } } });
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'ES256', key: pair('ec').privateKey }))).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('accepts any of several keys (a rollover), of mixed types', async () => {
    const app = await startProbeApp(pemConfig(['RS256', 'ES256'], [rsa.pem, rsaNext.pem, ec.pem]));
    try {
      for (const [alg, key] of [['RS256', rsa.privateKey], ['RS256', rsaNext.privateKey], ['ES256', ec.privateKey]] as const) {
        expect(await status(app, await mint(DEFAULT_CLAIMS, { alg, key }))).toBe(200);
      }
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'RS256', key: stranger.privateKey }))).toBe(401);
      // a PS256 signature by a listed key is still refused: PS256 is not configured
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'PS256', key: rsa.privateKey }))).toBe(401);
    } finally {
      await app.close();
    }
  });
});

describe('JWKS', () => {
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;
  let up = true;

  beforeAll(async () => {
    const jwk = (p: Pair, kid: string, alg: string) => ({ ...p.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
    const body = JSON.stringify({ keys: [jwk(rsa, 'rsa-1', 'RS256'), jwk(ec, 'ec-1', 'ES256')] });
    server = createServer((req, res) => {
      fetches += 1;
      if (!up || req.url !== '/.well-known/jwks.json') {
        res.writeHead(up ? 404 : 503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies RS256 and ES256 tokens by kid through jwks-rsa, fetching once per kid', async () => {
    fetches = 0;
    const app = await startProbeApp(hsConfig({ algorithms: ['RS256', 'ES256'], key: { kind: 'jwks', jwksUrl } }));
    try {
      const rsToken = await mint(DEFAULT_CLAIMS, { alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' });
      const esToken = await mint({ ...DEFAULT_CLAIMS, tenant: 'globex' }, { alg: 'ES256', key: ec.privateKey, kid: 'ec-1' });
      expect((await callHttp(app.url, '/probe/me', { token: rsToken })).body).toMatchObject({ tenant: 'acme' });
      expect((await callHttp(app.url, '/probe/me', { token: esToken })).body).toMatchObject({ tenant: 'globex' });
      expect(await status(app, rsToken)).toBe(200);
      // jwks-rsa caches keys per kid: rsa-1 and ec-1 each cost one fetch, repeats none
      expect(fetches).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('refuses unknown kids, foreign signatures, missing kids and an unreachable JWKS', async () => {
    const app = await startProbeApp(hsConfig({ algorithms: ['RS256'], key: { kind: 'jwks', jwksUrl } }));
    try {
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'RS256', key: rsa.privateKey, kid: 'nope' }))).toBe(401);
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'RS256', key: stranger.privateKey, kid: 'rsa-1' }))).toBe(401);
      // two keys published: without a kid none can be chosen
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'RS256', key: rsa.privateKey }))).toBe(401);
      // ES256 is published but not configured here
      expect(await status(app, await mint(DEFAULT_CLAIMS, { alg: 'ES256', key: ec.privateKey, kid: 'ec-1' }))).toBe(401);
    } finally {
      await app.close();
    }
    up = false;
    const cold = await startProbeApp(hsConfig({ algorithms: ['RS256'], key: { kind: 'jwks', jwksUrl } }));
    try {
      const reply = await callHttp(cold.url, '/probe/me', { token: await mint(DEFAULT_CLAIMS, { alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' }) });
      // fail closed, and without telling the client why
      expect(reply).toEqual({ status: 401, body: { code: 'UNAUTHENTICATED', message: INVALID_TOKEN_MESSAGE } });
    } finally {
      up = true;
      await cold.close();
    }
  });
});
