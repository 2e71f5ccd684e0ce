/**
 * RC4, which NTLM session security (MS-NLMP 3.4) is built on. Node's OpenSSL 3 keeps RC4 in the
 * legacy provider, off by default, so it is here in a dozen lines; the state carries over between
 * calls because NTLM seals every message of a session with one continuing key stream.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0) throw new Error('RC4 needs a key');
    for (let k = 0; k < 256; k++) this.s[k] = k;
    for (let k = 0, j = 0; k < 256; k++) {
      j = (j + this.at(k) + (key[k % key.length] ?? 0)) & 0xff;
      this.swap(k, j);
    }
  }

  /** Encrypts or decrypts (the same operation), advancing the key stream. */
  update(data: Uint8Array): Buffer {
    const out = Buffer.alloc(data.length);
    for (let k = 0; k < data.length; k++) {
      this.i = (this.i + 1) & 0xff;
      this.j = (this.j + this.at(this.i)) & 0xff;
      this.swap(this.i, this.j);
      out[k] = (data[k] ?? 0) ^ this.at((this.at(this.i) + this.at(this.j)) & 0xff);
    }
    return out;
  }

  // indexes are always 0..255: the ?? only satisfies noUncheckedIndexedAccess-style lint
  private at(k: number): number {
    return this.s[k] ?? 0;
  }

  private swap(a: number, b: number): void {
    const t = this.at(a);
    this.s[a] = this.at(b);
    this.s[b] = t;
  }
}

/** One-shot RC4 with a fresh key (key exchange: EncryptedRandomSessionKey). */
export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  return new Rc4(key).update(data);
}
