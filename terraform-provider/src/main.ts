/**
 * terraform-provider-haaas: started by Terraform or OpenTofu through go-plugin. Nothing may reach
 * stdout before the handshake line; logs go to stderr (Terraform shows them with TF_LOG).
 * `--debug` serves without the handshake checks and prints TF_REATTACH_PROVIDERS instead, for
 * attaching a debugger. HAAAS_PROVIDER_STATS=<file>: on exit, one JSON line with the start-up time
 * (process start to handshake line), the RPCs served and the API requests made (the benchmark).
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProvider } from './provider';
import { HandshakeError, handshakeLine, PROTOCOL_VERSION, readHandshake } from './protocol/handshake';
import { serve } from './protocol/server';
import { checkClientCertificate, makeServerCertificate } from './protocol/tls';

export const PROVIDER_ADDRESS = 'registry.terraform.io/haaas/haaas';

async function main(argv: readonly string[]): Promise<void> {
  const debug = argv.includes('--debug');
  const hs = debug ? { socketDir: tmpdir(), clientCertPem: undefined } : readHandshake(process.env, tmpdir());
  if (hs.clientCertPem) checkClientCertificate(hs.clientCertPem);
  const dir = mkdtempSync(join(hs.socketDir, 'plugin'));
  const socketPath = join(dir, 'haaas.sock');
  const cert = hs.clientCertPem ? makeServerCertificate() : undefined;
  const statsFile = process.env['HAAAS_PROVIDER_STATS'];
  const stats = { pid: process.pid, startupMs: 0, rpcs: {} as Record<string, number>, apiRequests: 0 };
  const stop = (): void => {
    if (statsFile) appendFileSync(statsFile, `${JSON.stringify(stats)}\n`);
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  const server = await serve({
    socketPath,
    provider: createProvider({ env: process.env, onApiRequest: statsFile ? () => void stats.apiRequests++ : undefined }),
    onCall: statsFile ? (method) => void (stats.rpcs[method] = (stats.rpcs[method] ?? 0) + 1) : undefined,
    tls: cert && hs.clientCertPem ? { certPem: cert.certPem, keyPem: cert.keyPem, clientCertPem: hs.clientCertPem } : undefined,
    onShutdown: stop,
  });
  process.once('SIGTERM', stop);
  // Terraform sends SIGINT to the whole group on Ctrl-C and then stops us through the controller
  process.on('SIGINT', () => undefined);
  if (debug) {
    const reattach = { [PROVIDER_ADDRESS]: { Protocol: 'grpc', ProtocolVersion: PROTOCOL_VERSION, Pid: process.pid, Test: true, Addr: { Network: 'unix', String: socketPath } } };
    process.stdout.write(`Provider started. To attach Terraform, set:\n\n\tTF_REATTACH_PROVIDERS='${JSON.stringify(reattach)}'\n\n`);
  } else {
    process.stdout.write(handshakeLine(socketPath, cert?.der));
  }
  // performance.now() counts from the process's start: Node's own boot, loading the bundle, the certificate
  stats.startupMs = performance.now();
  void server;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof HandshakeError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
