import { randomBytes } from 'node:crypto';
import { fileTime, hmacMd5, ntlmV2Response, ntowfV2, sameBytes } from './ntlm.crypto';
import {
  AV_FLAG_MIC,
  AvId,
  encodeAvPairs,
  encodeChallenge,
  MIC_OFFSET,
  NtlmFlag,
  parseAuthenticate,
  parseAvPairs,
  parseNegotiate,
} from './ntlm.messages';
import { NtlmSession } from './ntlm.session';
import { rc4 } from './rc4.cipher';

/**
 * The server side of NTLMv2 (MS-NLMP 3.2.5), as a Windows WinRM listener checks a client: for the
 * project's WS-Management test server, so that a client computing a wrong response, MIC or
 * channel binding is refused as Windows would refuse it. NTLMv1 and LM responses are refused.
 */

export interface NtlmAcceptorOptions {
  /** NetBIOS and DNS names the CHALLENGE announces. */
  readonly computerName: string;
  readonly domainName: string;
  /** The expected channel binding hash over TLS; a client that sends another one is refused. */
  readonly channelBindings?: Buffer;
  /** Looks up the NT hash (MD4 of the password) of an account, by user and domain as the client sent them. */
  readonly ntHashOf: (user: string, domain: string) => Buffer | undefined;
}

export class NtlmAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NtlmAuthError';
  }
}

export class NtlmAcceptorContext {
  private negotiateMessage: Buffer | undefined;
  private challengeMessage: Buffer | undefined;
  private readonly serverChallenge = randomBytes(8);

  constructor(private readonly options: NtlmAcceptorOptions) {}

  challenge(negotiateMessage: Buffer): Buffer {
    const { flags } = parseNegotiate(negotiateMessage);
    this.negotiateMessage = negotiateMessage;
    const name = (s: string): Buffer => Buffer.from(s, 'utf16le');
    const targetInfo = encodeAvPairs([
      { id: AvId.NbDomainName, value: name(this.options.domainName.toUpperCase()) },
      { id: AvId.NbComputerName, value: name(this.options.computerName.toUpperCase()) },
      { id: AvId.DnsDomainName, value: name(this.options.domainName.toLowerCase()) },
      { id: AvId.DnsComputerName, value: name(`${this.options.computerName.toLowerCase()}.${this.options.domainName.toLowerCase()}`) },
      { id: AvId.Timestamp, value: fileTime(new Date()) },
    ]);
    const offered =
      NtlmFlag.UNICODE |
      NtlmFlag.REQUEST_TARGET |
      NtlmFlag.SIGN |
      NtlmFlag.SEAL |
      NtlmFlag.NTLM |
      NtlmFlag.ALWAYS_SIGN |
      NtlmFlag.TARGET_TYPE_DOMAIN |
      NtlmFlag.EXTENDED_SESSIONSECURITY |
      NtlmFlag.TARGET_INFO |
      NtlmFlag.VERSION |
      NtlmFlag.NEGOTIATE_128 |
      NtlmFlag.KEY_EXCH |
      NtlmFlag.NEGOTIATE_56;
    this.challengeMessage = encodeChallenge({
      flags: (offered & (flags | NtlmFlag.TARGET_INFO | NtlmFlag.TARGET_TYPE_DOMAIN | NtlmFlag.VERSION)) >>> 0,
      serverChallenge: this.serverChallenge,
      targetName: this.options.domainName.toUpperCase(),
      targetInfo,
    });
    return this.challengeMessage;
  }

  /** Verifies the AUTHENTICATE message; returns the account and the session that seals messages. */
  authenticate(authenticateMessage: Buffer): { user: string; domain: string; session: NtlmSession; channelBound: boolean } {
    if (!this.negotiateMessage || !this.challengeMessage) throw new NtlmAuthError('AUTHENTICATE before CHALLENGE');
    const auth = parseAuthenticate(authenticateMessage);
    if (auth.ntChallengeResponse.length <= 24) throw new NtlmAuthError('NTLMv1 and LM responses are refused');
    const hash = this.options.ntHashOf(auth.user, auth.domain);
    if (!hash) throw new NtlmAuthError('unknown account');

    const ntProofStr = auth.ntChallengeResponse.subarray(0, 16);
    const blob = auth.ntChallengeResponse.subarray(16);
    const responseKey = ntowfV2(hash, auth.user, auth.domain);
    const v2 = ntlmV2Response(responseKey, this.serverChallenge, blob);
    if (!sameBytes(v2.ntProofStr, ntProofStr)) throw new NtlmAuthError('wrong password');

    const keyExchange = (auth.flags & NtlmFlag.KEY_EXCH) !== 0;
    if (keyExchange && auth.encryptedRandomSessionKey.length !== 16) throw new NtlmAuthError('missing session key');
    const exportedSessionKey = keyExchange ? rc4(v2.sessionBaseKey, auth.encryptedRandomSessionKey) : v2.sessionBaseKey;

    // The blob's AV pairs start after 28 bytes (header, time, client challenge, reserved).
    const pairs = parseAvPairs(blob.subarray(28));
    const avFlags = pairs.find((p) => p.id === AvId.Flags)?.value.readUInt32LE(0) ?? 0;
    if (avFlags & AV_FLAG_MIC) {
      const zeroed = Buffer.from(authenticateMessage);
      Buffer.alloc(16).copy(zeroed, MIC_OFFSET);
      const mic = hmacMd5(exportedSessionKey, this.negotiateMessage, this.challengeMessage, zeroed);
      if (!sameBytes(mic, auth.mic)) throw new NtlmAuthError('MIC does not verify');
    }
    const binding = pairs.find((p) => p.id === AvId.ChannelBindings)?.value;
    const bound = binding !== undefined && binding.some((b) => b !== 0);
    if (bound && this.options.channelBindings && !binding.equals(this.options.channelBindings)) {
      throw new NtlmAuthError('channel binding does not match this TLS channel');
    }
    return { user: auth.user, domain: auth.domain, session: new NtlmSession(exportedSessionKey, 'server'), channelBound: bound };
  }
}
