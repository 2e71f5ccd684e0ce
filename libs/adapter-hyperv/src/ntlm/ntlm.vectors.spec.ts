import { NtlmAcceptorContext } from './ntlm.acceptor';
import { channelBindingHash, NtlmClientContext, splitUsername } from './ntlm.client';
import { ntHash, ntlmV2ClientBlob, ntlmV2Response, ntowfV2, sessionKeys } from './ntlm.crypto';
import { encodeAvPairs, encodeChallenge, MIC_OFFSET, parseAuthenticate, parseChallenge } from './ntlm.messages';
import { NtlmSession } from './ntlm.session';
import { rc4 } from './rc4.cipher';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// MS-NLMP 4.2.1 common values and 4.2.4 NTLMv2 authentication.
const USER = 'User';
const DOMAIN = 'Domain';
const PASSWORD = 'Password';
const SERVER_CHALLENGE = hex('0123456789abcdef');
const CLIENT_CHALLENGE = hex('aaaaaaaaaaaaaaaa');
const RANDOM_SESSION_KEY = hex('55555555555555555555555555555555');
const TARGET_INFO = hex('02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000');
const CHALLENGE_FLAGS = 0xe28a8233;

describe('NTLM against the known answers of MS-NLMP 4.2.4', () => {
  it('RC4 matches a published test vector (RFC 6229, key 0102030405)', () => {
    expect(rc4(hex('0102030405'), Buffer.alloc(16)).toString('hex')).toBe('b2396305f03dc027ccc3524a0a1118a8');
  });

  it('derives NTOWFv1 and NTOWFv2 (4.2.2.1.2, 4.2.4.1.1)', () => {
    expect(ntHash(PASSWORD).toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
    expect(ntowfV2(ntHash(PASSWORD), USER, DOMAIN).toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('computes the AUTHENTICATE responses, encrypted session key and wrap output', () => {
    const challenge = encodeChallenge({ flags: CHALLENGE_FLAGS, serverChallenge: SERVER_CHALLENGE, targetName: 'Server', targetInfo: TARGET_INFO });
    const client = new NtlmClientContext(
      { username: `${DOMAIN}\\${USER}`, password: PASSWORD },
      { fixed: { clientChallenge: CLIENT_CHALLENGE, exportedSessionKey: RANDOM_SESSION_KEY, timestamp: Buffer.alloc(8) }, workstation: 'COMPUTER' },
    );
    client.negotiate();
    const { message, session } = client.authenticate(challenge);
    const auth = parseAuthenticate(message);

    expect(auth.user).toBe(USER);
    expect(auth.domain).toBe(DOMAIN);
    expect(auth.workstation).toBe('COMPUTER');
    // 4.2.4.2.1 LMv2 (sent because this server sent no timestamp)
    expect(auth.lmChallengeResponse.toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    // 4.2.4.2.2: NTProofStr followed by the blob
    expect(auth.ntChallengeResponse.toString('hex')).toBe(
      '68cd0ab851e51c96aabc927bebef6a1c' + '0101000000000000' + '0000000000000000' + 'aaaaaaaaaaaaaaaa' + '00000000' + TARGET_INFO.toString('hex') + '00000000',
    );
    // 4.2.4.2.3
    expect(auth.encryptedRandomSessionKey.toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
    expect(auth.mic.equals(Buffer.alloc(16))).toBe(true); // no timestamp, no MIC

    // 4.2.4.4 GSS_WrapEx of "Plaintext"
    const { sealed, signature } = session.wrap(Buffer.from('Plaintext', 'utf16le'));
    expect(sealed.toString('hex')).toBe('54e50165bf1936dc996020c1811b0f06fb5f');
    expect(signature.toString('hex')).toBe('010000007fb38ec5c55d497600000000');
  });

  it('computes NTProofStr and the session base key of the published blob', () => {
    const blob = ntlmV2ClientBlob(Buffer.alloc(8), CLIENT_CHALLENGE, TARGET_INFO);
    const v2 = ntlmV2Response(ntowfV2(ntHash(PASSWORD), USER, DOMAIN), SERVER_CHALLENGE, blob);
    expect(v2.ntProofStr.toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(v2.sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
  });

  it('derives the four signing and sealing keys (4.2.4.3.x)', () => {
    const k = sessionKeys(RANDOM_SESSION_KEY);
    expect(k.clientSigningKey.toString('hex')).toBe('4788dc861b4782f35d43fd98fe1a2d39');
    expect(k.serverSigningKey.toString('hex')).toBe('d04d6f10741041d1d246d64188d7a8ad');
    expect(k.clientSealingKey.toString('hex')).toBe('59f600973cc4960a25480a7c196e4c58');
    expect(k.serverSealingKey.toString('hex')).toBe('9355f3a957c1583d25c4c2f11e40390e');
  });
});

describe('NTLM client against the acceptor', () => {
  const acceptor = (password = 'S3cret!', channelBindings?: Buffer): NtlmAcceptorContext =>
    new NtlmAcceptorContext({
      computerName: 'HV01',
      domainName: 'LAB',
      channelBindings,
      ntHashOf: (user, domain) => (user.toLowerCase() === 'admin' && ['', 'LAB', 'lab'].includes(domain) ? ntHash(password) : undefined),
    });

  const handshake = (server: NtlmAcceptorContext, username: string, password: string, channelBindings?: Buffer) => {
    const client = new NtlmClientContext({ username, password }, { channelBindings });
    const challenge = server.challenge(client.negotiate());
    const { message, session } = client.authenticate(challenge);
    return { challenge, message, session };
  };

  it('authenticates with a MIC (the challenge has a timestamp) and seals both ways', () => {
    const server = acceptor();
    const { challenge, message, session } = handshake(server, 'LAB\\admin', 'S3cret!');
    expect(parseChallenge(challenge).targetInfo.length).toBeGreaterThan(0);
    expect(parseAuthenticate(message).mic.equals(Buffer.alloc(16))).toBe(false);
    expect(parseAuthenticate(message).lmChallengeResponse.equals(Buffer.alloc(24))).toBe(true);
    const accepted = server.authenticate(message);
    expect(accepted).toMatchObject({ user: 'admin', domain: 'LAB' });

    for (const text of ['<s:Envelope/>', 'second message, the RC4 stream goes on']) {
      const up = session.wrap(Buffer.from(text));
      expect(accepted.session.unwrap(up.sealed, up.signature).toString()).toBe(text);
      const down = accepted.session.wrap(Buffer.from(`re: ${text}`));
      expect(session.unwrap(down.sealed, down.signature).toString()).toBe(`re: ${text}`);
    }
  });

  it('refuses a wrong password, a tampered MIC and a foreign channel binding', () => {
    expect(() => acceptor().authenticate(handshake(acceptor(), 'admin', 'x').message)).toThrow(/before CHALLENGE/);
    const s1 = acceptor();
    expect(() => s1.authenticate(handshake(s1, 'admin', 'wrong').message)).toThrow(/wrong password/);

    const s2 = acceptor();
    const tampered = Buffer.from(handshake(s2, 'admin', 'S3cret!').message);
    tampered.writeUInt8(tampered.readUInt8(MIC_OFFSET) ^ 0xff, MIC_OFFSET);
    expect(() => s2.authenticate(tampered)).toThrow(/MIC/);

    const cert = Buffer.from('a certificate');
    const s3 = acceptor('S3cret!', channelBindingHash(cert));
    expect(() => s3.authenticate(handshake(s3, 'admin', 'S3cret!', channelBindingHash(Buffer.from('another'))).message)).toThrow(/channel binding/);
    const s4 = acceptor('S3cret!', channelBindingHash(cert));
    expect(s4.authenticate(handshake(s4, 'admin', 'S3cret!', channelBindingHash(cert)).message).user).toBe('admin');
  });

  it('detects a tampered or replayed sealed message', () => {
    const session = new NtlmSession(RANDOM_SESSION_KEY, 'client');
    const server = new NtlmSession(RANDOM_SESSION_KEY, 'server');
    const first = session.wrap(Buffer.from('one'));
    const flipped = Buffer.from(first.sealed);
    flipped.writeUInt8(flipped.readUInt8(0) ^ 1, 0);
    expect(() => server.unwrap(flipped, first.signature)).toThrow(/signature/);
  });

  it('splits user names as Windows does', () => {
    expect(splitUsername('LAB\\admin')).toEqual({ domain: 'LAB', user: 'admin' });
    expect(splitUsername('admin@lab.example')).toEqual({ domain: '', user: 'admin@lab.example' });
    expect(splitUsername('admin')).toEqual({ domain: '', user: 'admin' });
  });

  it('encodes AV pairs with the terminator', () => {
    expect(encodeAvPairs([]).toString('hex')).toBe('00000000');
  });
});
