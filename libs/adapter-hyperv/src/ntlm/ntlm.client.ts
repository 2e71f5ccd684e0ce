import { createHash, randomBytes } from 'node:crypto';
import { fileTime, hmacMd5, lmV2Response, md5, ntHash, ntlmV2ClientBlob, ntlmV2Response, ntowfV2 } from './ntlm.crypto';
import {
  AV_FLAG_MIC,
  AvId,
  type AvPair,
  type ChallengeMessage,
  CLIENT_FLAGS,
  encodeAuthenticate,
  encodeAvPairs,
  encodeNegotiate,
  MIC_OFFSET,
  NtlmFlag,
  NtlmMessageError,
  parseAvPairs,
  parseChallenge,
} from './ntlm.messages';
import { NtlmSession } from './ntlm.session';
import { rc4 } from './rc4.cipher';

/**
 * The client side of an NTLMv2 handshake (MS-NLMP 3.1.5): NEGOTIATE, then AUTHENTICATE computed
 * from the server's CHALLENGE, with key exchange, a MIC, and channel binding over TLS.
 *
 * Written here rather than taken from npm: the NTLM packages there (httpntlm, @ewsjs/ntlm-client,
 * axios-ntlm) authenticate a request but keep the session key to themselves, and WinRM over HTTP
 * needs that key to seal every message (MS-WSMV 2.2.9.1); none computes a MIC or channel bindings.
 * The known-answer tests of MS-NLMP 4.2.4 cover it (ntlm.vectors.spec.ts).
 */

export interface NtlmCredentials {
  /** `DOMAIN\user`, `user@domain` or a local `user`. */
  readonly username: string;
  readonly password: string;
}

/** Splits `DOMAIN\user`; a UPN or a bare name goes whole with an empty domain, as Windows clients do. */
export function splitUsername(username: string): { user: string; domain: string } {
  const slash = username.indexOf('\\');
  return slash >= 0 ? { domain: username.slice(0, slash), user: username.slice(slash + 1) } : { domain: '', user: username };
}

/**
 * The `tls-server-end-point` channel binding of RFC 5929 for the server's DER certificate: a
 * hash of it (SHA-256 unless the certificate is signed with SHA-384/512), inside the
 * gss_channel_bindings_struct whose MD5 goes into the AUTHENTICATE message.
 */
export function channelBindingHash(certificateDer: Buffer): Buffer {
  const algorithm = certificateHash(certificateDer);
  const appData = Buffer.concat([Buffer.from('tls-server-end-point:', 'ascii'), createHash(algorithm).update(certificateDer).digest()]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(appData.length);
  // initiator and acceptor address types and lengths are all zero
  return md5(Buffer.alloc(16), length, appData);
}

// OIDs of the signature algorithms whose hash is not SHA-256's size (RFC 5929 section 4.1).
const SHA384_OIDS = ['2a864886f70d01010c', '2a8648ce3d040303'];
const SHA512_OIDS = ['2a864886f70d01010d', '2a8648ce3d040304'];

function certificateHash(der: Buffer): 'sha256' | 'sha384' | 'sha512' {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, ... }
  try {
    const outer = derHeader(der, 0);
    const tbs = derHeader(der, outer.contentAt);
    const alg = derHeader(der, tbs.contentAt + tbs.length);
    const oid = derHeader(der, alg.contentAt);
    const hex = der.subarray(oid.contentAt, oid.contentAt + oid.length).toString('hex');
    if (SHA384_OIDS.includes(hex)) return 'sha384';
    if (SHA512_OIDS.includes(hex)) return 'sha512';
  } catch {
    // an unreadable certificate: SHA-256 like most of them
  }
  return 'sha256';
}

function derHeader(der: Buffer, at: number): { contentAt: number; length: number } {
  const first = der[at + 1];
  if (first === undefined) throw new Error('truncated DER');
  if (first < 0x80) return { contentAt: at + 2, length: first };
  const n = first & 0x7f;
  let length = 0;
  for (let k = 0; k < n; k++) length = length * 256 + (der[at + 2 + k] ?? 0);
  return { contentAt: at + 2 + n, length };
}

export interface NtlmClientOptions {
  /** MD5 of the channel bindings (channelBindingHash), over HTTPS. */
  readonly channelBindings?: Buffer;
  /** For known-answer tests only: fixed client challenge, session key and time. */
  readonly fixed?: { clientChallenge: Buffer; exportedSessionKey: Buffer; timestamp?: Buffer };
  readonly workstation?: string;
}

/** One handshake: `negotiate()` then `authenticate(challenge)`, which yields the session. */
export class NtlmClientContext {
  private negotiateMessage: Buffer | undefined;

  constructor(
    private readonly credentials: NtlmCredentials,
    private readonly options: NtlmClientOptions = {},
  ) {}

  negotiate(): Buffer {
    this.negotiateMessage = encodeNegotiate(CLIENT_FLAGS);
    return this.negotiateMessage;
  }

  /** `channelBindings` (channelBindingHash of the server's certificate) is known only once TLS is up. */
  authenticate(
    challengeMessage: Buffer,
    channelBindings = this.options.channelBindings,
  ): { message: Buffer; session: NtlmSession; exportedSessionKey: Buffer } {
    if (!this.negotiateMessage) throw new Error('negotiate() first');
    const challenge = parseChallenge(challengeMessage);
    const required = NtlmFlag.EXTENDED_SESSIONSECURITY | NtlmFlag.TARGET_INFO;
    if ((challenge.flags & required) !== required) {
      // without target info there is no NTLMv2; NTLMv1 and LM are broken and never sent
      throw new NtlmMessageError('the server does not offer NTLMv2 with extended session security');
    }
    const { user, domain } = splitUsername(this.credentials.username);
    const fixed = this.options.fixed;
    const serverPairs = parseAvPairs(challenge.targetInfo);
    const serverTime = serverPairs.find((p) => p.id === AvId.Timestamp)?.value;
    const timestamp = fixed?.timestamp ?? serverTime ?? fileTime(new Date());
    const clientChallenge = fixed?.clientChallenge ?? randomBytes(8);
    const withMic = serverTime !== undefined;

    const pairs = clientAvPairs(serverPairs, withMic, channelBindings);
    const responseKey = ntowfV2(ntHash(this.credentials.password), user, domain);
    const v2 = ntlmV2Response(responseKey, challenge.serverChallenge, ntlmV2ClientBlob(timestamp, clientChallenge, encodeAvPairs(pairs)));
    const lm = withMic ? Buffer.alloc(24) : lmV2Response(responseKey, challenge.serverChallenge, clientChallenge);

    const flags = negotiatedFlags(challenge);
    const keyExchange = (flags & NtlmFlag.KEY_EXCH) !== 0;
    const exportedSessionKey = keyExchange ? (fixed?.exportedSessionKey ?? randomBytes(16)) : v2.sessionBaseKey;
    const message = encodeAuthenticate({
      flags,
      lmChallengeResponse: lm,
      ntChallengeResponse: v2.ntChallengeResponse,
      domain,
      user,
      workstation: this.options.workstation ?? '',
      encryptedRandomSessionKey: keyExchange ? rc4(v2.sessionBaseKey, exportedSessionKey) : Buffer.alloc(0),
      mic: Buffer.alloc(16),
    });
    if (withMic) hmacMd5(exportedSessionKey, this.negotiateMessage, challengeMessage, message).copy(message, MIC_OFFSET);
    return { message, session: new NtlmSession(exportedSessionKey, 'client'), exportedSessionKey };
  }

}

function clientAvPairs(serverPairs: readonly AvPair[], withMic: boolean, channelBindings: Buffer | undefined): AvPair[] {
  const pairs = serverPairs.filter((p) => p.id !== AvId.Flags && p.id !== AvId.ChannelBindings);
  const serverFlags = serverPairs.find((p) => p.id === AvId.Flags)?.value.readUInt32LE(0) ?? 0;
  if (withMic || serverFlags) {
    const value = Buffer.alloc(4);
    value.writeUInt32LE((serverFlags | (withMic ? AV_FLAG_MIC : 0)) >>> 0);
    pairs.push({ id: AvId.Flags, value });
  }
  // Only over TLS, as MS-NLMP 3.1.5.1.2 says (the known-answer blob of 4.2.4 has none).
  if (channelBindings) pairs.push({ id: AvId.ChannelBindings, value: channelBindings });
  return pairs;
}

function negotiatedFlags(challenge: ChallengeMessage): number {
  // The intersection of what we asked for and what the server chose.
  return (CLIENT_FLAGS & challenge.flags & ~NtlmFlag.OEM) | NtlmFlag.UNICODE;
}
