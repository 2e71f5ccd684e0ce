import { runPyWinRm } from './pywinrm.client';
import { startWinRmTestServer, type WinRmTestServer } from './winrm-test.server';

// pywinrm (python3-winrm) is a third-party WinRM client used against real Windows hosts: if it
// runs commands on our test server, the server speaks WinRM as Windows does, not only as our
// own client expects (shell ids, streams, exit codes, faults, NTLM and its message sealing).
describe('pywinrm against the WS-Management test server', () => {
  const PASSWORD = 'Interop-Pa55!';
  const servers: WinRmTestServer[] = [];
  const start = async (https: boolean, allowUnencrypted = false): Promise<WinRmTestServer> => {
    const server = await startWinRmTestServer({
      username: 'haaas',
      password: PASSWORD,
      https,
      allowUnencrypted,
      run: (cmd) => {
        if (cmd.script !== undefined) return { stdout: `ps:${cmd.script}\r\n` };
        if (cmd.commandLine === 'ipconfig /all') return { stdout: 'Windows IP Configuration\r\n' };
        if (cmd.commandLine.startsWith('exit')) return { stderr: 'failing\r\n', exitCode: Number(cmd.commandLine.split(' ')[1]) };
        return { stdout: `ran: ${cmd.commandLine}` };
      },
    });
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const steps = [{ cmd: 'ipconfig', args: ['/all'] }, { cmd: 'exit', args: ['7'] }, { ps: "Get-VM | Select-Object Name | ConvertTo-Json -Compress" }];
  const expected = [
    { stdout: 'Windows IP Configuration\r\n', stderr: '', status: 0 },
    { stdout: '', stderr: 'failing\r\n', status: 7 },
    { stdout: 'ps:Get-VM | Select-Object Name | ConvertTo-Json -Compress\r\n', stderr: '', status: 0 },
  ];

  it('runs run_cmd and run_ps with NTLM over HTTP, every message sealed', async () => {
    const server = await start(false);
    const result = await runPyWinRm({ url: server.url, username: 'LAB\\haaas', password: PASSWORD, transport: 'ntlm', steps });
    expect(result).toEqual({ ok: true, results: expected });
    const soap = server.events.filter((e) => e.action !== '(none)');
    expect(soap.map((e) => e.action)).toEqual(expect.arrayContaining(['Create', 'Command', 'Receive', 'Signal', 'Delete']));
    expect(soap.every((e) => e.auth === 'ntlm' && e.encrypted)).toBe(true);
    expect(server.openShells()).toEqual([]);
  });

  it('runs with NTLM over HTTPS (channel binding checked) and with Basic over HTTPS', async () => {
    const server = await start(true);
    for (const transport of ['ntlm', 'basic'] as const) {
      const result = await runPyWinRm({ url: server.url, username: 'haaas', password: PASSWORD, transport, steps });
      expect(result).toEqual({ ok: true, results: expected });
    }
    expect(server.events.filter((e) => e.auth === 'ntlm').every((e) => e.channelBound)).toBe(true);
    expect(server.events.some((e) => e.auth === 'ntlm')).toBe(true);
    expect(server.events.some((e) => e.auth === 'basic')).toBe(true);
    expect(server.events.some((e) => e.encrypted)).toBe(false);
  });

  it('runs with Basic over HTTP where the listener allows unencrypted traffic', async () => {
    const server = await start(false, true);
    const result = await runPyWinRm({ url: server.url, username: 'haaas', password: PASSWORD, transport: 'basic', steps: steps.slice(0, 1) });
    expect(result).toEqual({ ok: true, results: expected.slice(0, 1) });
  });

  it('is refused with a wrong password, as pywinrm reports it for Windows', async () => {
    const server = await start(false);
    for (const transport of ['ntlm', 'basic'] as const) {
      const result = await runPyWinRm({ url: server.url, username: 'haaas', password: 'nope', transport, steps: steps.slice(0, 1) });
      expect(result).toMatchObject({ ok: false, type: 'InvalidCredentialsError' });
    }
  });
});
