import { hmacMd5, sameBytes, sessionKeys } from './ntlm.crypto';
import { Rc4 } from './rc4.cipher';

/**
 * NTLM session security with extended session security and key exchange (MS-NLMP 3.4.3, 3.4.4.2):
 * what WinRM's message encryption over HTTP (MS-WSMV 2.2.9.1.1) seals each SOAP message with.
 * Each direction has its own keys, RC4 stream and sequence number, which go on for the whole
 * connection; a message out of order therefore fails to verify, as it should.
 */
export class NtlmSession {
  private readonly outSeal: Rc4;
  private readonly inSeal: Rc4;
  private readonly outSign: Buffer;
  private readonly inSign: Buffer;
  private outSeq = 0;
  private inSeq = 0;

  constructor(exportedSessionKey: Uint8Array, side: 'client' | 'server') {
    const k = sessionKeys(exportedSessionKey);
    const client = side === 'client';
    this.outSeal = new Rc4(client ? k.clientSealingKey : k.serverSealingKey);
    this.inSeal = new Rc4(client ? k.serverSealingKey : k.clientSealingKey);
    this.outSign = client ? k.clientSigningKey : k.serverSigningKey;
    this.inSign = client ? k.serverSigningKey : k.clientSigningKey;
  }

  /** GSS_WrapEx: the sealed message and its 16-byte signature. */
  wrap(message: Uint8Array): { sealed: Buffer; signature: Buffer } {
    const sealed = this.outSeal.update(message);
    const signature = this.mac(this.outSign, this.outSeal, this.outSeq++, message);
    return { sealed, signature };
  }

  /** GSS_UnwrapEx: the plain message, or an error when the signature does not verify. */
  unwrap(sealed: Uint8Array, signature: Uint8Array): Buffer {
    const message = this.inSeal.update(sealed);
    const expected = this.mac(this.inSign, this.inSeal, this.inSeq++, message);
    if (!sameBytes(expected, signature)) throw new Error('NTLM message signature does not verify');
    return message;
  }

  private mac(signingKey: Buffer, seal: Rc4, seq: number, message: Uint8Array): Buffer {
    const seqBytes = Buffer.alloc(4);
    seqBytes.writeUInt32LE(seq >>> 0);
    const checksum = seal.update(hmacMd5(signingKey, seqBytes, message).subarray(0, 8));
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seqBytes]);
  }
}
