import type { SecretSealer } from '../management.tokens';
import { fencingDeviceSecretContext, fencingSecretOptionKeys, openFencingSecrets, sealFencingSecrets } from './sealed-options.codec';

/** A sealer that binds the context and hides the text well enough to test the envelope around it. */
const sealer: SecretSealer = {
  seal: (plaintext, context) => Buffer.from(JSON.stringify([context, plaintext])).toString('base64'),
  open: (sealed, context) => {
    const [ctx, plaintext] = JSON.parse(Buffer.from(sealed, 'base64').toString()) as [string, string];
    if (ctx !== context) throw new Error('wrong context');
    return plaintext;
  },
};

describe('sealed fencing options', () => {
  const ctx = fencingDeviceSecretContext('t1', 'd1');

  it('names the tenant and the row in the context', () => {
    expect(ctx).toBe('t1:fencing-device:d1');
  });

  it('seals nothing to null and reads null as no secrets', () => {
    expect(sealFencingSecrets(sealer, ctx, {})).toBeNull();
    expect(fencingSecretOptionKeys(null)).toEqual([]);
    expect(openFencingSecrets(sealer, ctx, null)).toEqual({});
  });

  it('round-trips, and gives the sorted names without opening', () => {
    const stored = sealFencingSecrets(sealer, ctx, { password: 's3cret', identity_file: '/k' }) as string;
    expect(stored).not.toContain('s3cret');
    const open = jest.spyOn(sealer, 'open');
    expect(fencingSecretOptionKeys(stored)).toEqual(['identity_file', 'password']);
    expect(open).not.toHaveBeenCalled();
    expect(openFencingSecrets(sealer, ctx, stored)).toEqual({ password: 's3cret', identity_file: '/k' });
    open.mockRestore();
  });

  it('refuses another row’s context', () => {
    const stored = sealFencingSecrets(sealer, ctx, { password: 'x' }) as string;
    expect(() => openFencingSecrets(sealer, fencingDeviceSecretContext('t1', 'd2'), stored)).toThrow('wrong context');
  });

  it('refuses names that disagree with the sealed values', () => {
    const stored = JSON.parse(sealFencingSecrets(sealer, ctx, { password: 'x' }) as string) as { keys: string[] };
    const edited = JSON.stringify({ ...stored, keys: ['password', 'token'] });
    expect(fencingSecretOptionKeys(edited)).toEqual(['password', 'token']);
    expect(() => openFencingSecrets(sealer, ctx, edited)).toThrow('names do not match');
  });

  it('refuses columns it does not know', () => {
    expect(() => fencingSecretOptionKeys('v1.k.iv.tag.ct')).toThrow('unreadable');
    expect(() => fencingSecretOptionKeys(JSON.stringify({ v: 2, keys: [], sealed: '' }))).toThrow('unknown format');
  });
});
