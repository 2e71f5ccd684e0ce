/**
 * go-plugin's handshake, as Terraform and OpenTofu run it: the magic cookie in the environment,
 * the protocol versions the client speaks, where to put the unix socket, and the one line on
 * stdout that tells the client where and how to connect.
 */
export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
/** go-plugin's own core protocol (the first field of the handshake line). */
export const CORE_PROTOCOL_VERSION = 1;
export const PROTOCOL_VERSION = 6;

export class HandshakeError extends Error {}

export interface Handshake {
  readonly socketDir: string;
  /** PEM of the client's certificate (AutoMTLS), absent when the client does not ask for TLS. */
  readonly clientCertPem?: string;
}

/** Checks what Terraform put in the environment; throws a HandshakeError with a human message. */
export function readHandshake(env: NodeJS.ProcessEnv, tmpdir: string): Handshake {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      'This binary is a plugin. These are not meant to be executed directly.\n' +
        'Please execute the program that consumes these plugins, which will\n' +
        'load any plugins automatically (terraform or tofu).',
    );
  }
  const offered = (env['PLUGIN_PROTOCOL_VERSIONS'] ?? String(PROTOCOL_VERSION)).split(',').map((v) => Number(v.trim()));
  if (!offered.includes(PROTOCOL_VERSION)) {
    throw new HandshakeError(`This provider speaks plugin protocol ${PROTOCOL_VERSION}; the client offered ${offered.join(', ')}. Terraform 1.0+ or OpenTofu is needed.`);
  }
  const clientCertPem = env['PLUGIN_CLIENT_CERT'] || undefined;
  return { socketDir: env['PLUGIN_UNIX_SOCKET_DIR'] || tmpdir, clientCertPem };
}

/** `1|6|unix|/path/to/socket|grpc|<server certificate, base64 DER without padding>` */
export function handshakeLine(socketPath: string, serverCertDer?: Buffer): string {
  const cert = serverCertDer ? serverCertDer.toString('base64').replace(/=+$/, '') : '';
  return `${CORE_PROTOCOL_VERSION}|${PROTOCOL_VERSION}|unix|${socketPath}|grpc|${cert}\n`;
}
