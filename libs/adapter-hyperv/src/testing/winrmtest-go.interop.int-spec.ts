import { deadline } from '@haaas/hypervisor';
import { HypervAdapter } from '../hyperv.adapter';
import { HypervScripts } from '../powershell/hyperv.scripts';
import { powershellCommand } from '../powershell/powershell.script';
import { WinRmClient } from '../winrm/winrm.client';
import { type GoWinRmPeer, startGoWinRmTest } from './winrmtest-go.peer';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The Go WinRM client's test server (dylanmei/winrmtest): a WS-Management implementation that
// is not ours. Our client must create a shell, run, receive and clean up against it too.
describe('WinRM client and Hyper-V adapter against the Go winrmtest server', () => {
  let peer: GoWinRmPeer;
  const listJson = '[{"Name":"web01","Id":"5a1e0c2d-3f4b-4c6d-8e9f-0a1b2c3d4e5f","State":"Running","ComputerName":"HV01"}]';

  beforeAll(async () => {
    peer = await startGoWinRmTest([
      { pattern: '^echo hello$', stdout: 'hello\r\n' },
      { pattern: '^exit 5$', stdout: 'failing', exitCode: 5 },
      { pattern: `^${escape(powershellCommand(HypervScripts.listVms()))}$`, stdout: `${listJson}\r\n` },
    ]);
  }, 240_000);
  afterAll(() => peer?.stop());

  it('runs commands: shell, command, receive, signal and delete, with exit codes', async () => {
    const client = new WinRmClient({ endpoint: peer.url, username: 'any', password: 'any', auth: 'basic' });
    try {
      expect(await client.run('echo hello', { signal: deadline(5_000), operation: 'test' })).toEqual({ stdout: 'hello\r\n', stderr: '', exitCode: 0 });
      expect(await client.run('exit 5', { signal: deadline(5_000), operation: 'test' })).toEqual({ stdout: 'failing', stderr: '', exitCode: 5 });
      // an unknown command: winrmtest answers HTTP 500 without a fault
      await expect(client.run('unknown', { signal: deadline(5_000), operation: 'test' })).rejects.toMatchObject({ kind: 'FAILED', message: expect.stringContaining('HTTP 500') });
    } finally {
      await client.close();
    }
  });

  it('lists VMs through the adapter from a recorded Get-VM output', async () => {
    const host = new HypervAdapter().connect({ uri: `${peer.url}?auth=basic`, username: 'any', password: 'any' });
    try {
      expect(await host.listVms({ signal: deadline(5_000) })).toEqual([
        { ref: 'web01', name: 'web01', uuid: '5a1e0c2d-3f4b-4c6d-8e9f-0a1b2c3d4e5f', powerState: 'RUNNING', host: 'HV01' },
      ]);
    } finally {
      await host.close();
    }
  });
});
