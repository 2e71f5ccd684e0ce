import { createServer, type Server } from 'node:net';
import { freePort, isPortOpen } from './free-port.util';

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('freePort', () => {
  it('returns a port that can be listened on, and isPortOpen sees it open then closed', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
    expect(await isPortOpen(port)).toBe(false);
    const server = await listen(port);
    expect(await isPortOpen(port)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await isPortOpen(port)).toBe(false);
  });

  it('returns different ports to concurrent callers most of the time', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    expect(new Set(ports).size).toBeGreaterThan(1);
  });
});
