/**
 * go-plugin's AutoMTLS: the plugin makes a fresh self-signed certificate for each run (sent to the
 * client in the handshake line) and accepts only the client whose certificate Terraform put in
 * PLUGIN_CLIENT_CERT. The key is ECDSA P-256 from Node's crypto, as go-plugin's own are ECDSA: an
 * RSA-2048 key took 0.3-0.6 s of every provider start (Terraform starts the provider up to 4
 * times a run). node-forge only encodes the certificate (its signing is RSA-only); Node signs it.
 */
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { HandshakeError } from './handshake';

export interface ServerCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly der: Buffer;
}

const { asn1, pki } = forge;
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const utcTime = (d: Date): forge.asn1.Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d));
const binary = (b: Buffer): string => b.toString('binary');

export function makeServerCertificate(now = new Date()): ServerCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // forge normalises the name and extensions (OIDs, encoded values) on a certificate object
  const shape = pki.createCertificate();
  const subject = [
    { name: 'organizationName', value: 'HashiCorp' },
    { name: 'commonName', value: 'localhost' },
  ];
  shape.setSubject(subject);
  // as go-plugin's own: a CA for itself, for server and client auth, named localhost
  shape.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] },
  ]);
  const name = (pki as unknown as { distinguishedNameToAsn1(dn: unknown): forge.asn1.Asn1 }).distinguishedNameToAsn1(shape.subject);
  const extensions = (pki as unknown as { certificateExtensionsToAsn1(e: unknown): forge.asn1.Asn1 }).certificateExtensionsToAsn1(shape.extensions);
  const algorithm = seq([asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(ECDSA_WITH_SHA256).getBytes())]);
  const serial = Buffer.concat([Buffer.from([1]), randomBytes(15)]);
  const tbs = seq([
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(2).getBytes())]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, binary(serial)),
    algorithm,
    name,
    seq([utcTime(new Date(now.getTime() - 30_000)), utcTime(new Date(now.getTime() + 30 * 24 * 3600_000))]),
    name,
    asn1.fromDer(binary(publicKey.export({ type: 'spki', format: 'der' }))),
    extensions, // [3] { SEQUENCE of extensions }, as forge wraps them
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, privateKey);
  const cert = seq([tbs, algorithm, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\0${binary(signature)}`)]);
  const der = Buffer.from(asn1.toDer(cert).getBytes(), 'binary');
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  return { certPem, keyPem, der };
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
