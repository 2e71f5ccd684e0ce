import { principalFromClaims } from './jwt-claims.parser';

const exp = Math.floor(Date.now() / 1000) + 60;

describe('principalFromClaims', () => {
  it('reads subject, tenant and the known roles, without duplicates', () => {
    expect(principalFromClaims({ sub: 'alice', tenant: 'acme_1-x', roles: ['reader', 'custom', 'admin', 'admin'], exp })).toEqual({
      subject: 'alice',
      tenantId: 'acme_1-x',
      roles: ['admin', 'reader'],
    });
  });

  it.each([
    ['no payload', null],
    ['no exp', { sub: 'a', tenant: 't', roles: ['member'] }],
    ['empty subject', { sub: '', tenant: 't', roles: ['member'], exp }],
    ['numeric subject', { sub: 7, tenant: 't', roles: ['member'], exp }],
    ['tenant too long', { sub: 'a', tenant: 'x'.repeat(65), roles: ['member'], exp }],
    ['tenant with a dot', { sub: 'a', tenant: 'a.b', roles: ['member'], exp }],
    ['roles not an array', { sub: 'a', tenant: 't', roles: 'member', exp }],
    ['no known role', { sub: 'a', tenant: 't', roles: ['owner'], exp }],
    ['empty roles', { sub: 'a', tenant: 't', roles: [], exp }],
    ['a system actor as subject (nobody signs in as the engine)', { sub: 'system:recovery', tenant: 't', roles: ['admin'], exp }],
  ])('refuses %s', (_what, payload) => {
    expect(principalFromClaims(payload)).toBeUndefined();
  });

  it('accepts a 64-character tenant id', () => {
    expect(principalFromClaims({ sub: 'a', tenant: 'x'.repeat(64), roles: ['member'], exp })?.tenantId).toHaveLength(64);
  });
});
