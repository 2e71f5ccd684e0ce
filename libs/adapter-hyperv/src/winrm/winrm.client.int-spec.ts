import { deadline, isAdapterError } from '@haaas/hypervisor';
import { freePort } from '@haaas/devstack';
import { startWinRmTestServer, type WinRmTestServer } from '../testing/winrm-test.server';
import { WinRmClient, type WinRmClientOptions } from './winrm.client';
import { ShellSignal } from './wsman.envelope';
import { WsmanFaultError } from './winrm.transport';

const USER = 'LAB\\haaas';
const PASSWORD = 'Pa$$w0rd: with spaces & ümlauts';

const o = (ms = 10_000) => ({ signal: deadline(ms), operation: 'test' });

describe('WinRM client against the WS-Management test server', () => {
  let server: WinRmTestServer;
  const clients: WinRmClient[] = [];
  const client = (overrides: Partial<WinRmClientOptions> = {}): WinRmClient => {
    const c = new WinRmClient({ endpoint: server.url, username: USER, password: PASSWORD, ...overrides });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startWinRmTestServer({
      username: 'haaas',
      password: PASSWORD,
      run: (cmd) => {
        if (cmd.commandLine === 'echo hello') return { stdout: 'hello\r\n' };
        if (cmd.commandLine === 'fail') return { stdout: 'partial', stderr: 'it broke\r\n', exitCode: 3 };
        if (cmd.commandLine === 'big') return { stdout: 'x'.repeat(100_000) + 'é' };
        if (cmd.script !== undefined) return { stdout: `script:${cmd.script}` };
        return { stderr: `'${cmd.commandLine}' is not recognized as an internal or external command`, exitCode: 1 };
      },
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(() => server.close());

  it('runs a command over NTLM with sealed messages: shell, command, receive, delete', async () => {
    const before = server.events.length;
    expect(await client().run('echo hello', o())).toEqual({ stdout: 'hello\r\n', stderr: '', exitCode: 0 });
    const events = server.events.slice(before);
    expect(events.map((e) => e.action)).toEqual(['Create', 'Command', 'Receive', 'Delete']);
    expect(events.every((e) => e.auth === 'ntlm' && e.encrypted)).toBe(true);
    expect(server.openShells()).toEqual([]);
  });

  it('returns stderr and the exit code of a failing command, and output over many Receives', async () => {
    const c = client();
    expect(await c.run('fail', o())).toEqual({ stdout: 'partial', stderr: 'it broke\r\n', exitCode: 3 });
    const before = server.events.length;
    const big = await c.run('big', o());
    expect(big.stdout).toHaveLength(100_001);
    expect(big.stdout.endsWith('xé')).toBe(true);
    expect(server.events.slice(before).filter((e) => e.action === 'Receive').length).toBeGreaterThan(5);
  });

  it('streams output written while the command runs, across Receive timeouts', async () => {
    server.setHandler(async (cmd) => {
      cmd.write('stdout', 'first ');
      await new Promise((r) => setTimeout(r, 1_500)); // longer than the OperationTimeout below
      cmd.write('stderr', 'warn ');
      return { stdout: 'last', exitCode: 0 };
    });
    try {
      const before = server.events.length;
      expect(await client({ operationTimeoutS: 1 }).run('slow', o())).toEqual({ stdout: 'first last', stderr: 'warn ', exitCode: 0 });
      expect(server.events.slice(before).some((e) => e.fault === 'TimedOut')).toBe(true);
    } finally {
      server.setHandler((cmd) => ({ stdout: cmd.commandLine }));
    }
  });

  it('authenticates with Basic over HTTPS', async () => {
    const tls = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, https: true, run: () => ({ stdout: 'tls' }) });
    try {
      const c = new WinRmClient({ endpoint: tls.url, username: USER, password: PASSWORD, auth: 'basic', ca: tls.certificate });
      expect((await c.run('x', o())).stdout).toBe('tls');
      await c.close();
      expect(tls.events.every((e) => e.auth === 'basic' && !e.encrypted)).toBe(true);
    } finally {
      await tls.close();
    }
  });

  it('authenticates with NTLM over HTTPS with channel binding, unsealed', async () => {
    const tls = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, https: true, run: () => ({ stdout: 'cbt' }) });
    try {
      const c = new WinRmClient({ endpoint: tls.url, username: USER, password: PASSWORD, ca: tls.certificate });
      expect((await c.run('x', o())).stdout).toBe('cbt');
      await c.close();
      expect(tls.events.every((e) => e.auth === 'ntlm' && !e.encrypted && e.channelBound)).toBe(true);
    } finally {
      await tls.close();
    }
  });

  it('refuses an untrusted certificate unless insecureTls', async () => {
    const tls = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, https: true, run: () => ({ stdout: 'ok' }) });
    try {
      const strict = new WinRmClient({ endpoint: tls.url, username: USER, password: PASSWORD });
      await expect(strict.run('x', o())).rejects.toMatchObject({ kind: 'AUTH_FAILED', message: expect.stringMatching(/certificate/) });
      await strict.close();
      const lax = new WinRmClient({ endpoint: tls.url, username: USER, password: PASSWORD, insecureTls: true });
      expect((await lax.run('x', o())).stdout).toBe('ok');
      await lax.close();
    } finally {
      await tls.close();
    }
  });

  it('maps a wrong password to AUTH_FAILED for NTLM and Basic, without the password in the message', async () => {
    const plain = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, allowUnencrypted: true, run: () => ({}) });
    try {
      for (const auth of ['ntlm', 'basic'] as const) {
        const c = new WinRmClient({ endpoint: plain.url, username: USER, password: 'wrong-secret', auth });
        const error = await c.run('x', o()).catch((e: unknown) => e);
        await c.close();
        expect(isAdapterError(error, 'AUTH_FAILED')).toBe(true);
        expect(String((error as Error).message)).not.toContain('wrong-secret');
      }
      // Basic in clear text against a default listener (AllowUnencrypted false): refused too
      const c = new WinRmClient({ endpoint: server.url, username: USER, password: PASSWORD, auth: 'basic' });
      await expect(c.run('x', o())).rejects.toMatchObject({ kind: 'AUTH_FAILED' });
      await c.close();
    } finally {
      await plain.close();
    }
  });

  it('maps an unknown shell to a WS-Management fault with its code', async () => {
    const c = client();
    const error = await c.receiveAll('00000000-0000-0000-0000-000000000000', 'X', o()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WsmanFaultError);
    expect((error as WsmanFaultError).fault).toMatchObject({ subcode: 'InvalidSelectors', wsmanCode: 2150858843, code: 'Sender' });
    expect((error as WsmanFaultError).kind).toBe('FAILED');
  });

  it('signals terminate to a running command and deletes the shell', async () => {
    let aborted = false;
    server.setHandler(
      (cmd) =>
        new Promise((resolve) =>
          cmd.signal.addEventListener('abort', () => {
            aborted = true;
            resolve({});
          }),
        ),
    );
    const c = client();
    const shell = await c.createShell(o());
    const command = await c.command(shell, 'sleep forever', o());
    await c.signal(shell, command, ShellSignal.terminate, o());
    expect(aborted).toBe(true);
    await c.deleteShell(shell, o());
    expect(server.openShells()).not.toContain(shell);
  });

  it('gives up at the deadline with TIMEOUT and still deletes the shell', async () => {
    server.setHandler((cmd) => new Promise((resolve) => cmd.signal.addEventListener('abort', () => resolve({}))));
    const c = client({ operationTimeoutS: 60 });
    const started = Date.now();
    const error = await c.run('hang', o(800)).catch((e: unknown) => e);
    expect(isAdapterError(error, 'TIMEOUT')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
    await c.settled();
    expect(server.openShells()).toEqual([]);
    const shell = server.events.filter((e) => e.action === 'Create').pop()?.shellId;
    expect(shell).toBeDefined();
    const after = server.events.filter((e) => e.shellId === shell).map((e) => e.action);
    expect(after).toEqual(expect.arrayContaining(['Create', 'Command', 'Signal', 'Delete']));
    expect(after[after.length - 1]).toBe('Delete');
  });

  it('maps connection refused to UNREACHABLE at once', async () => {
    const port = await freePort();
    const c = new WinRmClient({ endpoint: `http://127.0.0.1:${port}/wsman`, username: USER, password: PASSWORD });
    const started = Date.now();
    await expect(c.run('x', o())).rejects.toMatchObject({ kind: 'UNREACHABLE' });
    expect(Date.now() - started).toBeLessThan(1_000);
    await c.close();
  });
});
