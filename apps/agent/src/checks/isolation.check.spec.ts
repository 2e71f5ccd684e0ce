import { createServer, Server } from 'node:net';
import { ensureDebianPackages } from '@haaas/devstack';
import { CheckRunner } from './check.runner';
import { isolationCheck } from './isolation.check';

describe('isolation address check', () => {
  beforeAll(async () => {
    // iputils' ping, as on a hypervisor host; installed when missing and running as root
    await ensureDebianPackages(['iputils-ping'], { binaries: { 'iputils-ping': ['ping'] } });
  }, 300_000);

  describe('ICMP', () => {
    it('answers ok when the address replies', async () => {
      expect(await isolationCheck('127.0.0.1', 1000)()).toEqual({ ok: true, address: '127.0.0.1', detail: expect.stringMatching(/^ICMP echo answered in \d+ ms$/) });
    });

    it('fails within the timeout when nothing replies', async () => {
      // TEST-NET-3: never routed
      const t0 = performance.now();
      const result = await new CheckRunner('isolation address', isolationCheck('203.0.113.7', 1000), 2500).run();
      expect(result).toMatchObject({ ok: false, address: '203.0.113.7' });
      expect(result.detail).toMatch(/^no ICMP echo reply within 1 s/);
      expect(performance.now() - t0).toBeLessThan(2500);
    });

    it('fails for a name that does not resolve', async () => {
      const result = await isolationCheck('no-such-host.invalid', 1000)();
      expect(result).toMatchObject({ ok: false, address: 'no-such-host.invalid' });
    });
  });

  describe('TCP', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((s) => s.end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('answers ok when the port accepts a connection', async () => {
      expect(await isolationCheck(`tcp://127.0.0.1:${port}`, 1000)()).toMatchObject({ ok: true, address: `tcp://127.0.0.1:${port}` });
    });

    it('fails when the connection is refused: a refusal may come from a firewall, not the host', async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise<void>((r) => closed.close(() => r()));
      expect(await isolationCheck(`tcp://127.0.0.1:${closedPort}`, 1000)()).toEqual({ ok: false, address: `tcp://127.0.0.1:${closedPort}`, detail: 'TCP connect failed: ECONNREFUSED' });
    });
  });
});
