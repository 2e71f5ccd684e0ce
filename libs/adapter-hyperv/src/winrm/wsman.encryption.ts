import { type NtlmSession } from '../ntlm/ntlm.session';

/**
 * WinRM message encryption with an NTLM/SPNEGO session (MS-WSMV 2.2.9.1.1): a MIME-like body
 * with the original length, then the signature length (4 bytes LE), the signature and the
 * sealed SOAP message. Both sides (the client and the project's test server) use this.
 */

export const ENCRYPTION_PROTOCOL = 'application/HTTP-SPNEGO-session-encrypted';
export const ENCRYPTED_CONTENT_TYPE = `multipart/encrypted;protocol="${ENCRYPTION_PROTOCOL}";boundary="Encrypted Boundary"`;

const BOUNDARY = '--Encrypted Boundary';
const SIGNATURE_LENGTH = 16;

const head = (length: number): Buffer =>
  Buffer.from(
    `${BOUNDARY}\r\n\tContent-Type: ${ENCRYPTION_PROTOCOL}\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=${length}\r\n` +
      `${BOUNDARY}\r\n\tContent-Type: application/octet-stream\r\n`,
    'ascii',
  );
const TAIL = Buffer.from(`${BOUNDARY}--\r\n`, 'ascii');

export function isEncrypted(contentType: string | undefined): boolean {
  return contentType !== undefined && /multipart\/encrypted/i.test(contentType) && contentType.includes(ENCRYPTION_PROTOCOL);
}

/** The body length for a message of `plainLength` bytes (sealing keeps the length). */
export function encryptedLength(plainLength: number): number {
  return head(plainLength).length + 4 + SIGNATURE_LENGTH + plainLength + TAIL.length;
}

export function encryptMessage(session: NtlmSession, plain: Buffer): Buffer {
  const { sealed, signature } = session.wrap(plain);
  const sigLength = Buffer.alloc(4);
  sigLength.writeUInt32LE(signature.length);
  return Buffer.concat([head(plain.length), sigLength, signature, sealed, TAIL]);
}

export class EncryptedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptedMessageError';
  }
}

/**
 * Unseals one encrypted body. The payload is located by the declared length rather than by
 * looking for the closing boundary, which sealed bytes could contain by chance.
 */
export function decryptMessage(session: NtlmSession, body: Buffer): Buffer {
  const text = body.toString('latin1');
  const length = /OriginalContent:[^\r\n]*Length=(\d+)/i.exec(text);
  if (!length) throw new EncryptedMessageError('no OriginalContent length');
  const marker = 'application/octet-stream\r\n';
  const at = text.indexOf(marker, length.index);
  if (at < 0) throw new EncryptedMessageError('no octet-stream part');
  const start = at + marker.length;
  const plainLength = Number(length[1]);
  if (start + 4 > body.length) throw new EncryptedMessageError('truncated');
  const sigLength = body.readUInt32LE(start);
  const end = start + 4 + sigLength + plainLength;
  if (sigLength !== SIGNATURE_LENGTH || end > body.length) throw new EncryptedMessageError('truncated or malformed payload');
  const signature = body.subarray(start + 4, start + 4 + sigLength);
  return session.unwrap(body.subarray(start + 4 + sigLength, end), signature);
}
