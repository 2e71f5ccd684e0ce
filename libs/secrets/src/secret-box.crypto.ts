import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Key id → 32-byte key, plus the id new ciphertexts use. `SecretsConfig` of @haaas/config has this shape. */
export interface Keyring {
  readonly keys: ReadonlyMap<string, Uint8Array>;
  readonly activeKeyId: string;
}

/**
 * Associated data: authenticated but not encrypted. Bind a ciphertext to where it is stored
 * (e.g. `[tenantId, objectId, 'password']`) so it cannot be copied to another row and still open.
 */
export type AssociatedData = string | readonly string[];

export type SecretBoxErrorReason = 'MALFORMED' | 'UNKNOWN_KEY' | 'TAMPERED';

/** Why a ciphertext did not open. Messages never contain key material or plaintext. */
export class SecretBoxError extends Error {
  constructor(
    readonly reason: SecretBoxErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96-bit IVs are GCM's native size; random ones are safe for far more messages than a keyring sees. */
const IV_BYTES = 12;
/** Full-length tags only: accepting short tags would make forgery cheaper. */
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

interface Parsed {
  readonly keyId: string;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ct: Buffer;
}

/**
 * Authenticated encryption of small secrets (BMC passwords, hypervisor credentials) for storage.
 * Output: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id travels with the
 * ciphertext, so keys rotate without a flag day: add a key, make it active, `rotate()` old rows,
 * then drop the old key.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  constructor(keyring: Keyring) {
    const keys = new Map<string, Buffer>();
    for (const [id, key] of keyring.keys) {
      if (!KEY_ID.test(id)) throw new Error(`SecretBox: key id "${id}" must be 1-32 letters, digits, "_" or "-"`);
      if (key.length !== KEY_BYTES) throw new Error(`SecretBox: key "${id}" must be ${KEY_BYTES} bytes`);
      // a private copy: the caller's buffer may be reused or zeroed
      keys.set(id, Buffer.from(key));
    }
    if (!keys.has(keyring.activeKeyId)) throw new Error(`SecretBox: active key "${keyring.activeKeyId}" is not in the keyring`);
    this.keys = keys;
    this.activeKeyId = keyring.activeKeyId;
  }

  encrypt(plaintext: string, aad?: AssociatedData): string {
    const keyId = this.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key(keyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedBytes(keyId, aad));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  /** @throws SecretBoxError when malformed, made with an unknown key, tampered with, or `aad` differs */
  decrypt(ciphertext: string, aad?: AssociatedData): string {
    const { keyId, iv, tag, ct } = parse(ciphertext);
    const decipher = createDecipheriv(ALGORITHM, this.key(keyId), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedBytes(keyId, aad));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('TAMPERED', 'cannot decrypt: the ciphertext was altered or belongs to other associated data');
    }
  }

  /** Re-encrypts with the active key (same associated data); returns the input when it already uses it. */
  rotate(ciphertext: string, aad?: AssociatedData): string {
    const plaintext = this.decrypt(ciphertext, aad);
    return this.needsRotation(ciphertext) ? this.encrypt(plaintext, aad) : ciphertext;
  }

  needsRotation(ciphertext: string): boolean {
    return SecretBox.keyIdOf(ciphertext) !== this.activeKeyId;
  }

  /** The key id a ciphertext was made with (e.g. to count rows still on an old key). */
  static keyIdOf(ciphertext: string): string {
    return parse(ciphertext).keyId;
  }

  private key(keyId: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new SecretBoxError('UNKNOWN_KEY', `cannot decrypt: unknown key id "${keyId}" (is it still in HAAAS_SECRET_KEYS?)`);
    return key;
  }
}

function parse(ciphertext: string): Parsed {
  const parts = ciphertext.split('.');
  const malformed = (): SecretBoxError => new SecretBoxError('MALFORMED', `cannot decrypt: not a ${VERSION} SecretBox ciphertext`);
  if (parts.length !== 5 || parts[0] !== VERSION) throw malformed();
  const [, keyId, iv, tag, ct] = parts as [string, string, string, string, string];
  if (!KEY_ID.test(keyId) || ![iv, tag, ct].every((p) => B64URL.test(p))) throw malformed();
  const parsed = { keyId, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ct: Buffer.from(ct, 'base64url') };
  if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) throw malformed();
  return parsed;
}

/**
 * The version and key id are authenticated too, and the caller's parts are JSON-encoded so
 * `['a.b', 'c']` and `['a', 'b.c']` can never collide.
 */
function associatedBytes(keyId: string, aad: AssociatedData | undefined): Buffer {
  const parts = aad === undefined ? [] : typeof aad === 'string' ? [aad] : [...aad];
  return Buffer.from(JSON.stringify([VERSION, keyId, ...parts]), 'utf8');
}
