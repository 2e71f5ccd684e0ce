import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import md4 from 'js-md4';

/** The NTLMv2 computations of MS-NLMP 3.3.2 and the key derivations of 3.4.5 (NTLMv1 and LM are never used). */

export const hmacMd5 = (key: Uint8Array, ...data: Uint8Array[]): Buffer => {
  const h = createHmac('md5', key);
  for (const d of data) h.update(d);
  return h.digest();
};

export const md5 = (...data: Uint8Array[]): Buffer => {
  const h = createHash('md5');
  for (const d of data) h.update(d);
  return h.digest();
};

export const utf16 = (text: string): Buffer => Buffer.from(text, 'utf16le');

/** MD4 of the UTF-16LE password (NTOWFv1), the one secret both sides derive everything from. */
export function ntHash(password: string): Buffer {
  return Buffer.from(md4.arrayBuffer(utf16(password)));
}

/** NTOWFv2 = HMAC_MD5(MD4(password), UNICODE(Uppercase(user) + domain)). */
export function ntowfV2(ntHashOfPassword: Uint8Array, user: string, domain: string): Buffer {
  return hmacMd5(ntHashOfPassword, utf16(user.toUpperCase() + domain));
}

/** The client's blob (MS-NLMP 2.2.2.7 NTLMv2_CLIENT_CHALLENGE), "temp" in 3.3.2. */
export function ntlmV2ClientBlob(timestamp: Uint8Array, clientChallenge: Uint8Array, avPairs: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), timestamp, clientChallenge, Buffer.alloc(4), avPairs, Buffer.alloc(4)]);
}

export interface NtlmV2Response {
  readonly ntProofStr: Buffer;
  /** NTProofStr followed by the blob: what the AUTHENTICATE message carries. */
  readonly ntChallengeResponse: Buffer;
  readonly sessionBaseKey: Buffer;
}

export function ntlmV2Response(responseKeyNt: Uint8Array, serverChallenge: Uint8Array, blob: Uint8Array): NtlmV2Response {
  const ntProofStr = hmacMd5(responseKeyNt, serverChallenge, blob);
  return { ntProofStr, ntChallengeResponse: Buffer.concat([ntProofStr, blob]), sessionBaseKey: hmacMd5(responseKeyNt, ntProofStr) };
}

/** LMv2 response; zeros when the server sent a timestamp (MS-NLMP 3.1.5.1.2). */
export function lmV2Response(responseKeyNt: Uint8Array, serverChallenge: Uint8Array, clientChallenge: Uint8Array): Buffer {
  return Buffer.concat([hmacMd5(responseKeyNt, serverChallenge, clientChallenge), clientChallenge]);
}

const MAGIC = {
  clientSign: 'session key to client-to-server signing key magic constant\0',
  serverSign: 'session key to server-to-client signing key magic constant\0',
  clientSeal: 'session key to client-to-server sealing key magic constant\0',
  serverSeal: 'session key to server-to-client sealing key magic constant\0',
} as const;

export interface SessionKeys {
  readonly clientSigningKey: Buffer;
  readonly serverSigningKey: Buffer;
  readonly clientSealingKey: Buffer;
  readonly serverSealingKey: Buffer;
}

/** SIGNKEY and SEALKEY with extended session security and 128-bit keys (MS-NLMP 3.4.5.2, 3.4.5.3). */
export function sessionKeys(exportedSessionKey: Uint8Array): SessionKeys {
  const derive = (magic: string): Buffer => md5(exportedSessionKey, Buffer.from(magic, 'ascii'));
  return {
    clientSigningKey: derive(MAGIC.clientSign),
    serverSigningKey: derive(MAGIC.serverSign),
    clientSealingKey: derive(MAGIC.clientSeal),
    serverSealingKey: derive(MAGIC.serverSeal),
  };
}

/** Constant-time comparison of two MACs or proofs. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Windows FILETIME (100 ns since 1601-01-01) as 8 little-endian bytes. */
export function fileTime(date: Date): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n);
  return out;
}
