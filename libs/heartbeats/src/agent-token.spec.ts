import { agentTokenFingerprint, agentTokenHashesEqual, bearerToken, hashAgentToken, mintAgentToken, parseAgentToken } from './agent-token';

const NODE = '0192f3a4-5b6c-7d8e-9f01-23456789abcd';

describe('node agent tokens', () => {
  it('name their tenant and node, carry 32 random bytes, and are stored as their SHA-256 only', () => {
    const a = mintAgentToken('acme_eu-1', NODE);
    const b = mintAgentToken('acme_eu-1', NODE);
    expect(a.token).toMatch(/^hna_acme_eu-1\.0192f3a4-5b6c-7d8e-9f01-23456789abcd\.[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(hashAgentToken(a.token));
    expect(a.hash).not.toContain(a.token.slice(-43));
    expect(parseAgentToken(a.token)).toEqual({ tenantId: 'acme_eu-1', nodeId: NODE });
  });

  it('refuses to mint for ids that would make an unparseable token', () => {
    expect(() => mintAgentToken('bad tenant', NODE)).toThrow();
    expect(() => mintAgentToken('t', 'not-a-uuid')).toThrow();
  });

  it.each([
    ['', 'empty'],
    ['hna_', 'prefix only'],
    [`hna_t.${NODE}.${'a'.repeat(42)}`, 'short secret'],
    [`hna_t.${NODE}.${'a'.repeat(44)}`, 'long secret'],
    [`hna_t.${NODE.toUpperCase()}.${'a'.repeat(43)}`, 'upper-case node id'],
    [`hna_t/x.${NODE}.${'a'.repeat(43)}`, 'tenant with a slash'],
    [`eyJhbGciOiJIUzI1NiJ9.${NODE}.${'a'.repeat(43)}`, 'a JWT-like string'],
    [`hna_t.${NODE}.${'a'.repeat(43)}\n`, 'trailing newline'],
  ])('does not parse %j (%s)', (token) => {
    expect(parseAgentToken(token)).toBeUndefined();
  });

  it('compares hashes in constant time and only well-formed ones', () => {
    const { hash } = mintAgentToken('t', NODE);
    expect(agentTokenHashesEqual(hash, hash)).toBe(true);
    expect(agentTokenHashesEqual(hash, hash.replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toBe(false);
    expect(agentTokenHashesEqual(hash, hash.toUpperCase())).toBe(false);
    expect(agentTokenHashesEqual(hash, '')).toBe(false);
  });

  it('names a token by a short fingerprint of its hash', () => {
    const { hash } = mintAgentToken('t', NODE);
    expect(agentTokenFingerprint(hash)).toBe(`sha256:${hash.slice(0, 12)}`);
  });

  it('reads bearer tokens from an Authorization header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
