import { createServer, type Server } from 'node:net';
import { HostFailover } from './host-failover.stream';

const listen = (reply: string): Promise<{ server: Server; port: number }> =>
  new Promise((done) => {
    const server = createServer((s) => s.end(reply));
    server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as { port: number }).port }));
  });
const closedPort = async (): Promise<number> => {
  const { server, port } = await listen('');
  await new Promise((r) => server.close(r));
  return port;
};
const read = (stream: NodeJS.ReadableStream): Promise<string> =>
  new Promise((done, fail) => {
    let data = '';
    stream.on('data', (d: Buffer) => (data += d.toString()));
    stream.on('end', () => done(data));
    stream.on('error', fail);
  });

describe('HostFailover', () => {
  it('skips a host that refuses, then stays on the one that answered', async () => {
    const dead = await closedPort();
    const b = await listen('from-b');
    const c = await listen('from-c');
    try {
      const failover = new HostFailover([
        { host: '127.0.0.1', port: dead },
        { host: '127.0.0.1', port: b.port },
        { host: '127.0.0.1', port: c.port },
        // generous: this is about the order of hosts; a loaded CI machine once took over 2 s to connect to b
      ], 30_000);
      expect(await read(failover.open())).toBe('from-b');
      expect(failover.preferred.port).toBe(b.port);
      await new Promise((r) => b.server.close(r));
      expect(await read(failover.open())).toBe('from-c');
      expect(await read(failover.open())).toBe('from-c');
    } finally {
      c.server.close();
    }
  });

  it('fails the stream with every host named when none answers', async () => {
    const failover = new HostFailover([{ host: '127.0.0.1', port: await closedPort() }]);
    await expect(read(failover.open())).rejects.toThrow(/no database host answered \(127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });
});
