/**
 * NTLM message encoding and decoding (MS-NLMP 2.2): NEGOTIATE, CHALLENGE, AUTHENTICATE and the
 * AV pairs inside the target info. Byte layouts only; the cryptography is in ntlm.crypto.ts.
 */

const SIGNATURE = Buffer.from('NTLMSSP\0', 'ascii');

export const NtlmFlag = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  TARGET_TYPE_DOMAIN: 0x00010000,
  TARGET_TYPE_SERVER: 0x00020000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  NEGOTIATE_128: 0x20000000,
  KEY_EXCH: 0x40000000,
  NEGOTIATE_56: 0x80000000,
} as const;

/** What a client asks for: NTLMv2 with extended session security, 128-bit sealing, key exchange. */
export const CLIENT_FLAGS =
  (NtlmFlag.NEGOTIATE_56 |
    NtlmFlag.KEY_EXCH |
    NtlmFlag.NEGOTIATE_128 |
    NtlmFlag.VERSION |
    NtlmFlag.TARGET_INFO |
    NtlmFlag.EXTENDED_SESSIONSECURITY |
    NtlmFlag.ALWAYS_SIGN |
    NtlmFlag.NTLM |
    NtlmFlag.SEAL |
    NtlmFlag.SIGN |
    NtlmFlag.REQUEST_TARGET |
    NtlmFlag.OEM |
    NtlmFlag.UNICODE) >>>
  0;

export const AvId = {
  EOL: 0,
  NbComputerName: 1,
  NbDomainName: 2,
  DnsComputerName: 3,
  DnsDomainName: 4,
  DnsTreeName: 5,
  Flags: 6,
  Timestamp: 7,
  SingleHost: 8,
  TargetName: 9,
  ChannelBindings: 10,
} as const;

/** MsvAvFlags bit: the AUTHENTICATE message carries a MIC. */
export const AV_FLAG_MIC = 0x2;

export interface AvPair {
  readonly id: number;
  readonly value: Buffer;
}

/** A version structure (MS-NLMP 2.2.2.10) saying Windows 10, NTLM revision 15, as Windows clients do. */
const VERSION = Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 15]);

export class NtlmMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NtlmMessageError';
  }
}

export function parseAvPairs(data: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  for (let off = 0; off + 4 <= data.length; ) {
    const id = data.readUInt16LE(off);
    const len = data.readUInt16LE(off + 2);
    if (id === AvId.EOL) return pairs;
    if (off + 4 + len > data.length) throw new NtlmMessageError('AV pair runs past the target info');
    pairs.push({ id, value: Buffer.from(data.subarray(off + 4, off + 4 + len)) });
    off += 4 + len;
  }
  throw new NtlmMessageError('target info has no MsvAvEOL');
}

export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pairs) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(p.id, 0);
    head.writeUInt16LE(p.value.length, 2);
    parts.push(head, p.value);
  }
  parts.push(Buffer.alloc(4)); // MsvAvEOL
  return Buffer.concat(parts);
}

function checkHeader(msg: Buffer, type: number, minLength: number): void {
  if (msg.length < minLength || !msg.subarray(0, 8).equals(SIGNATURE)) throw new NtlmMessageError('not an NTLMSSP message');
  const actual = msg.readUInt32LE(8);
  if (actual !== type) throw new NtlmMessageError(`expected NTLM message type ${type}, got ${actual}`);
}

function readField(msg: Buffer, at: number): Buffer {
  const len = msg.readUInt16LE(at);
  const offset = msg.readUInt32LE(at + 4);
  if (len === 0) return Buffer.alloc(0);
  if (offset + len > msg.length) throw new NtlmMessageError('NTLM field runs past the message');
  return Buffer.from(msg.subarray(offset, offset + len));
}

/** Lays out the payload fields after a fixed header; returns the message. */
function build(header: Buffer, fieldsAt: readonly number[], payloads: readonly Buffer[]): Buffer {
  let offset = header.length;
  fieldsAt.forEach((at, k) => {
    const p = payloads[k] ?? Buffer.alloc(0);
    header.writeUInt16LE(p.length, at);
    header.writeUInt16LE(p.length, at + 2);
    header.writeUInt32LE(offset, at + 4);
    offset += p.length;
  });
  return Buffer.concat([header, ...payloads]);
}

// ---- NEGOTIATE (type 1) ----

export function encodeNegotiate(flags = CLIENT_FLAGS): Buffer {
  const msg = Buffer.alloc(40);
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(1, 8);
  msg.writeUInt32LE(flags >>> 0, 12);
  // empty domain and workstation fields point at the end of the message
  msg.writeUInt32LE(40, 20);
  msg.writeUInt32LE(40, 28);
  VERSION.copy(msg, 32);
  return msg;
}

export function parseNegotiate(msg: Buffer): { flags: number } {
  checkHeader(msg, 1, 16);
  return { flags: msg.readUInt32LE(12) };
}

// ---- CHALLENGE (type 2) ----

export interface ChallengeMessage {
  readonly flags: number;
  readonly serverChallenge: Buffer;
  readonly targetName: string;
  readonly targetInfo: Buffer;
}

export function encodeChallenge(c: ChallengeMessage): Buffer {
  const header = Buffer.alloc(56);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt32LE(c.flags >>> 0, 20);
  c.serverChallenge.copy(header, 24);
  VERSION.copy(header, 48);
  return build(header, [12, 40], [Buffer.from(c.targetName, 'utf16le'), c.targetInfo]);
}

export function parseChallenge(msg: Buffer): ChallengeMessage {
  checkHeader(msg, 2, 48);
  const flags = msg.readUInt32LE(20);
  const name = readField(msg, 12);
  return {
    flags,
    serverChallenge: Buffer.from(msg.subarray(24, 32)),
    targetName: flags & NtlmFlag.UNICODE ? name.toString('utf16le') : name.toString('latin1'),
    targetInfo: flags & NtlmFlag.TARGET_INFO ? readField(msg, 40) : Buffer.alloc(0),
  };
}

// ---- AUTHENTICATE (type 3) ----

export interface AuthenticateMessage {
  readonly flags: number;
  readonly lmChallengeResponse: Buffer;
  readonly ntChallengeResponse: Buffer;
  readonly domain: string;
  readonly user: string;
  readonly workstation: string;
  readonly encryptedRandomSessionKey: Buffer;
  /** 16 bytes, zero when not computed yet or absent. */
  readonly mic: Buffer;
}

/** Offset of the MIC in an AUTHENTICATE message with a version field. */
export const MIC_OFFSET = 72;

export function encodeAuthenticate(a: AuthenticateMessage): Buffer {
  const header = Buffer.alloc(88);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  header.writeUInt32LE(a.flags >>> 0, 60);
  VERSION.copy(header, 64);
  a.mic.copy(header, MIC_OFFSET);
  const str = (s: string): Buffer => Buffer.from(s, 'utf16le');
  return build(
    header,
    [28, 36, 44, 12, 20, 52],
    [str(a.domain), str(a.user), str(a.workstation), a.lmChallengeResponse, a.ntChallengeResponse, a.encryptedRandomSessionKey],
  );
}

export function parseAuthenticate(msg: Buffer): AuthenticateMessage {
  checkHeader(msg, 3, 64);
  const flags = msg.readUInt32LE(60);
  const text = (b: Buffer): string => (flags & NtlmFlag.UNICODE ? b.toString('utf16le') : b.toString('latin1'));
  // The MIC is there when the payload starts after it (clients that send a version field do).
  const payloadStart = Math.min(...[12, 20, 28, 36, 44, 52].map((at) => (msg.readUInt16LE(at) > 0 ? msg.readUInt32LE(at + 4) : msg.length)));
  return {
    flags,
    lmChallengeResponse: readField(msg, 12),
    ntChallengeResponse: readField(msg, 20),
    domain: text(readField(msg, 28)),
    user: text(readField(msg, 36)),
    workstation: text(readField(msg, 44)),
    encryptedRandomSessionKey: readField(msg, 52),
    mic: payloadStart >= MIC_OFFSET + 16 ? Buffer.from(msg.subarray(MIC_OFFSET, MIC_OFFSET + 16)) : Buffer.alloc(16),
  };
}
