import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box.crypto';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const box = (active: string, keys: Record<string, Buffer> = { k1, k2 }): SecretBox => new SecretBox({ keys: new Map(Object.entries(keys)), activeKeyId: active });

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SecretBoxError) return e.reason;
    throw e;
  }
  throw new Error('expected a SecretBoxError');
}

/** Flips one bit of one base64url part of a ciphertext. */
function flip(ciphertext: string, part: number): string {
  const parts = ciphertext.split('.');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('round-trips with the active key, a fresh IV each time, and the key id on the ciphertext', () => {
    const b = box('k1');
    const a = b.encrypt('s3cr3t ✓');
    expect(a).toMatch(/^v1\.k1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(b.decrypt(a)).toBe('s3cr3t ✓');
    expect(b.encrypt('s3cr3t ✓')).not.toBe(a);
    expect(b.decrypt(b.encrypt(''))).toBe('');
    expect(SecretBox.keyIdOf(a)).toBe('k1');
  });

  it('rotates to the active key and still reads old ciphertexts meanwhile', () => {
    const old = box('k1').encrypt('pw', ['tenant-a', 'node-1']);
    const b = box('k2');
    expect(b.decrypt(old, ['tenant-a', 'node-1'])).toBe('pw');
    expect(b.needsRotation(old)).toBe(true);
    const rotated = b.rotate(old, ['tenant-a', 'node-1']);
    expect(SecretBox.keyIdOf(rotated)).toBe('k2');
    expect(b.needsRotation(rotated)).toBe(false);
    expect(b.rotate(rotated, ['tenant-a', 'node-1'])).toBe(rotated);
    // once rotated, the old key can leave the keyring
    expect(box('k2', { k2 }).decrypt(rotated, ['tenant-a', 'node-1'])).toBe('pw');
  });

  it('detects tampering with the ciphertext, tag, IV or key id', () => {
    const b = box('k1');
    const c = b.encrypt('pw');
    for (const part of [2, 3, 4]) expect(reasonOf(() => b.decrypt(flip(c, part)))).toBe('TAMPERED');
    // the same key under another id: the id is authenticated, so relabelling fails
    const twin = box('k1', { k1, alias: k1 });
    expect(reasonOf(() => twin.decrypt(c.replace('v1.k1.', 'v1.alias.')))).toBe('TAMPERED');
    expect(reasonOf(() => b.decrypt(c.slice(0, -2)))).toBe('TAMPERED');
  });

  it('refuses other associated data, so a ciphertext cannot move to another row', () => {
    const b = box('k1');
    const c = b.encrypt('pw', ['tenant-a', 'node-1']);
    expect(b.decrypt(c, ['tenant-a', 'node-1'])).toBe('pw');
    expect(reasonOf(() => b.decrypt(c, ['tenant-b', 'node-1']))).toBe('TAMPERED');
    expect(reasonOf(() => b.decrypt(c))).toBe('TAMPERED');
    // parts are length-safe: joining them differently is different data
    expect(reasonOf(() => b.decrypt(c, ['tenant-a.node-1']))).toBe('TAMPERED');
    expect(b.decrypt(b.encrypt('pw', 'row-7'), 'row-7')).toBe('pw');
  });

  it('names an unknown key id and rejects malformed input', () => {
    const c = box('k1').encrypt('pw');
    expect(reasonOf(() => box('k2', { k2 }).decrypt(c))).toBe('UNKNOWN_KEY');
    expect(() => box('k2', { k2 }).decrypt(c)).toThrow(/unknown key id "k1"/);
    for (const bad of ['', 'pw', 'v2.k1.a.b.c', 'v1.k1.a.b', 'v1.bad id.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AA', 'v1.k1.AAAA.AAAAAAAAAAAAAAAAAAAAAA.AA']) {
      expect(reasonOf(() => box('k1').decrypt(bad))).toBe('MALFORMED');
    }
  });

  it('validates the keyring', () => {
    expect(() => box('nope')).toThrow(/active key "nope"/);
    expect(() => box('k1', { k1: randomBytes(16) })).toThrow(/must be 32 bytes/);
    expect(() => box('a.b', { 'a.b': k1 })).toThrow(/key id/);
  });

  it('keeps its own copy of the keys', () => {
    const key = Buffer.from(k1);
    const b = box('k', { k: key });
    const c = b.encrypt('pw');
    key.fill(0);
    expect(b.decrypt(c)).toBe('pw');
  });
});
