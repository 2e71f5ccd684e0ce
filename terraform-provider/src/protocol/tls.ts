/**
 * go-plugin's AutoMTLS: the plugin makes a fresh self-signed certificate for each run (sent to the
 * client in the handshake line) and accepts only the client whose certificate Terraform put in
 * PLUGIN_CLIENT_CERT. node-forge writes the certificate (Node's crypto can read X.509 but not make
 * it); the key pair is Node's own.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { HandshakeError } from './handshake';

export interface ServerCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly der: Buffer;
}

export function makeServerCertificate(now = new Date()): ServerCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  cert.validity.notBefore = new Date(now.getTime() - 30_000);
  cert.validity.notAfter = new Date(now.getTime() + 30 * 24 * 3600_000);
  const subject = [
    { name: 'organizationName', value: 'HashiCorp' },
    { name: 'commonName', value: 'localhost' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  // as go-plugin's own: a CA for itself, for server and client auth, named localhost
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return { certPem, keyPem, der: Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary') };
}

/** The client certificate must parse and be valid now; TLS then accepts only a peer holding its key. */
export function checkClientCertificate(pem: string, now = new Date()): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new HandshakeError(`PLUGIN_CLIENT_CERT is not a PEM certificate: ${(err as Error).message}`);
  }
  if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) {
    throw new HandshakeError(`PLUGIN_CLIENT_CERT is not valid now (valid ${cert.validFrom} to ${cert.validTo})`);
  }
  if (!cert.verify(cert.publicKey)) throw new HandshakeError('PLUGIN_CLIENT_CERT is not self-signed as go-plugin makes it');
  return cert;
}
