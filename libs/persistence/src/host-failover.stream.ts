import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { HostPort } from '@haaas/config';

/**
 * Host failover for mysql2 over a Galera cluster (docs/adr/0015-ha-control-plane-connections.md).
 * mysql2 takes a `stream` factory instead of a host; each new connection gets a stream that tries
 * the hosts in order, starting at the one that answered last, and is handed to mysql2 only once a
 * TCP connection is up. So every connection of the pool writes to the same node (Galera's advice:
 * one writer avoids certification conflicts) until it dies; then the next new connection moves to
 * the next node, without a failed query for the connect attempt to the dead one. Connections open
 * on the dead node fail (their queries get an error: the blip) and the pool replaces them.
 * Written by hand: mysql2 and TypeORM have no failover for a single writer (TypeORM's
 * `replication` is one master plus read replicas), and a proxy (MaxScale, HAProxy) is an extra
 * moving part to deploy; it stays the choice where TLS to the database is required.
 */
export class HostFailover {
  private current = 0;

  constructor(
    private readonly hosts: readonly HostPort[],
    private readonly connectTimeoutMs = 2_000,
  ) {
    if (hosts.length === 0) throw new Error('HostFailover: no hosts');
  }

  /** The host new connections go to now. */
  get preferred(): HostPort {
    return this.hosts[this.current] as HostPort;
  }

  /** A stream for mysql2's `stream` option. */
  open(): Duplex {
    return new FailoverStream(this, this.connectTimeoutMs);
  }

  /** Hosts in the order to try: the preferred one first. */
  order(): { host: HostPort; index: number }[] {
    return this.hosts.map((_, i) => {
      const index = (this.current + i) % this.hosts.length;
      return { host: this.hosts[index] as HostPort, index };
    });
  }

  connected(index: number): void {
    this.current = index;
  }
}

class FailoverStream extends Duplex {
  private socket: Socket | undefined;
  private readonly pending: { chunk: Buffer; callback: (error?: Error | null) => void }[] = [];

  constructor(
    failover: HostFailover,
    private readonly timeoutMs: number,
  ) {
    super();
    void this.connectFirst(failover);
  }

  private async connectFirst(failover: HostFailover): Promise<void> {
    const errors: string[] = [];
    for (const { host, index } of failover.order()) {
      if (this.destroyed) return;
      try {
        const socket = await this.tryConnect(host);
        if (this.destroyed) {
          socket.destroy();
          return;
        }
        failover.connected(index);
        this.attach(socket);
        return;
      } catch (error) {
        errors.push(`${host.host}:${host.port}: ${(error as Error).message}`);
      }
    }
    this.destroy(Object.assign(new Error(`no database host answered (${errors.join('; ')})`), { code: 'ECONNREFUSED', fatal: true }));
  }

  private tryConnect(host: HostPort): Promise<Socket> {
    return new Promise((done, fail) => {
      const socket = connect({ host: host.host, port: host.port, timeout: this.timeoutMs });
      const failed = (error: Error): void => {
        socket.destroy();
        fail(error);
      };
      socket.once('error', failed);
      socket.once('timeout', () => failed(new Error('connect timeout')));
      socket.once('connect', () => {
        socket.off('error', failed);
        socket.removeAllListeners('timeout');
        socket.setTimeout(0);
        done(socket);
      });
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (data: Buffer) => {
      if (!this.push(data)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
    for (const { chunk, callback } of this.pending.splice(0)) socket.write(chunk, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket) this.socket.write(chunk, callback);
    else this.pending.push({ chunk, callback });
  }

  override _read(): void {
    this.socket?.resume();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.socket) this.socket.end(callback);
    else callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket?.destroy();
    for (const { callback: cb } of this.pending.splice(0)) cb(error ?? new Error('stream closed'));
    callback(error);
  }
}
