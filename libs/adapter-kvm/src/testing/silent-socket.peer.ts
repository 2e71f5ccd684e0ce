import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SilentSocket {
  /** A libvirt URI whose "daemon" accepts the connection and never answers a single RPC. */
  readonly uri: string;
  /** Connections accepted so far (proves the client got that far). */
  accepted(): number;
  stop(): Promise<void>;
}

/**
 * A hung libvirtd as far as a client can tell: the unix socket accepts, then nothing comes back.
 * The only thing that ends a call to it is the caller's deadline.
 */
export async function startSilentSocket(): Promise<SilentSocket> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-silent-'));
  const path = join(dir, 'libvirt-sock');
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('data', () => undefined); // read and ignore: the client must not block on a full pipe
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return {
    uri: `test+unix:///default?socket=${path}`,
    accepted: () => count,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
