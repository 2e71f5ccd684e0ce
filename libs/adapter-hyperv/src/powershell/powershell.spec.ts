import { decodeEncodedCommand } from '../testing/winrm-test.server';
import { scriptVariables } from '../testing/hyperv-host.simulator';
import { asArray, parseJson, parseVm, parseVmList, powerStateOf } from './hyperv.parse';
import { HypervScripts } from './hyperv.scripts';
import { clixmlErrorText, errorKind, parseErrorRecord, powershellError } from './powershell.errors';
import { encodeCommand, ERROR_MARKER, psQuote, wrapScript } from './powershell.script';

describe('PowerShell scripts', () => {
  it('quotes single and typographic quotes by doubling them', () => {
    expect(psQuote("O'Brien")).toBe("'O''Brien'");
    expect(psQuote('a’b‘c')).toBe("'a’’b‘‘c'");
    expect(psQuote('$(rm -rf) `n')).toBe("'$(rm -rf) `n'");
  });

  it('encodes the script as base64 UTF-16LE for -EncodedCommand', () => {
    const line = encodeCommand('Get-VM | ConvertTo-Json');
    expect(line).toMatch(/^powershell -NoProfile -NonInteractive -EncodedCommand [A-Za-z0-9+/=]+$/);
    expect(decodeEncodedCommand(line)).toBe('Get-VM | ConvertTo-Json');
  });

  it('puts inputs first as literal variables, which the simulated host reads back exactly', () => {
    const script = wrapScript(HypervScripts.migrateVm("it's [a] VM", 'HV02.lab.local'));
    expect(scriptVariables(script)).toEqual({ r: "it's [a] VM", t: 'HV02.lab.local' });
    expect(scriptVariables(HypervScripts.stopVm('x', 12.7))).toEqual({ r: 'x', g: '12' });
    expect(script.startsWith("$ErrorActionPreference='Stop'")).toBe(true);
    expect(script).toContain(ERROR_MARKER);
  });

  it('keeps every operation script well under the cmd.exe command-line limit', () => {
    const long = 'v'.repeat(100);
    for (const body of [HypervScripts.probe(), HypervScripts.stopVm(long, 30), HypervScripts.exportVm(long), HypervScripts.migrateVm(long, long), HypervScripts.registerVm(long)]) {
      expect(encodeCommand(wrapScript(body)).length).toBeLessThan(8191);
    }
  });
});

describe('parsing cmdlet JSON', () => {
  it('takes a single object, an array, or nothing', () => {
    const one = '{"Name":"web01","Id":"5A1E0C2D-3F4B-4C6D-8E9F-0A1B2C3D4E5F","State":2,"ComputerName":"HV01"}';
    expect(parseVmList(one)).toEqual([{ ref: 'web01', name: 'web01', uuid: '5a1e0c2d-3f4b-4c6d-8e9f-0a1b2c3d4e5f', powerState: 'RUNNING', host: 'HV01' }]);
    expect(parseVmList(`[${one},{"Name":"db01","Id":null,"State":"Off","ComputerName":""}]`)).toHaveLength(2);
    expect(parseVmList('')).toEqual([]);
    expect(parseVmList('\uFEFF[]\r\n')).toEqual([]);
    expect(asArray(null)).toEqual([]);
  });

  it('reads a GUID written as an object, and JSON after a warning line', () => {
    expect(parseVm('{"Name":"a","Id":{"Guid":"ABC"},"State":"Running"}').uuid).toBe('abc');
    expect(parseJson('WARNING: something\r\n{"a":1}')).toEqual({ a: 1 });
    expect(() => parseJson('not json at all')).toThrow(/not JSON/);
    expect(() => parseVm('[]')).toThrow(/no VM/);
  });

  it.each([
    [2, 'RUNNING'],
    ['2', 'RUNNING'],
    ['Running', 'RUNNING'],
    [3, 'STOPPED'],
    ['Off', 'STOPPED'],
    [6, 'SUSPENDED'],
    ['Saved', 'SUSPENDED'],
    [9, 'PAUSED'],
    [10, 'RUNNING'],
    [4, 'RUNNING'],
    ['RunningCritical', 'RUNNING'],
    ['OffCritical', 'CRASHED'],
    [1, 'UNKNOWN'],
    [12345, 'UNKNOWN'],
    [null, 'UNKNOWN'],
  ])('VM state %p is %s', (state, power) => {
    expect(powerStateOf(state)).toBe(power);
  });
});

describe('mapping PowerShell errors', () => {
  const line = (r: Record<string, string>): string => `#< CLIXML\r\n<Objs/>\r\n${ERROR_MARKER}${JSON.stringify(r)}\r\n`;
  const virt = 'Microsoft.HyperV.PowerShell.VirtualizationException';

  it.each([
    [{ category: 'InvalidArgument', id: 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM', type: virt, message: 'Hyper-V was unable to find a virtual machine with name "x".' }, 'NOT_FOUND'],
    [{ category: 'ObjectNotFound', id: 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVM', type: virt, message: 'x' }, 'NOT_FOUND'],
    [{ category: 'InvalidOperation', id: 'InvalidState,Microsoft.HyperV.PowerShell.Commands.StartVM', type: virt, message: "'x' failed to change state." }, 'INVALID_STATE'],
    [{ category: 'InvalidOperation', id: 'Unspecified', type: virt, message: 'The operation cannot be performed while the object is in its current state.' }, 'INVALID_STATE'],
    [{ category: 'ObjectNotFound', id: 'CommandNotFoundException', type: 'System.Management.Automation.CommandNotFoundException', message: "The term 'Get-VM' is not recognized" }, 'UNSUPPORTED'],
    [{ category: 'PermissionDenied', id: 'Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM', type: virt, message: 'You do not have the required permission' }, 'AUTH_FAILED'],
    [{ category: 'NotSpecified', id: 'OperationFailed,Microsoft.HyperV.PowerShell.Commands.MoveVM', type: virt, message: 'migration failed: The network path was not found.' }, 'FAILED'],
    [{ category: 'OperationTimeout', id: 'x', type: 'System.TimeoutException', message: 'timed out' }, 'TIMEOUT'],
  ])('%j is %s', (record, kind) => {
    const parsed = parseErrorRecord(line(record));
    expect(parsed).toBeDefined();
    if (parsed) expect(errorKind(parsed)).toBe(kind);
    expect(powershellError('op', line(record), 1)).toMatchObject({ kind, operation: 'op', message: expect.stringContaining(record.message.slice(0, 10)) });
  });

  it('finds the record when CLIXML follows it on the same line', () => {
    const stderr = `${ERROR_MARKER}{"category":"ObjectNotFound","id":"a","type":"t","message":"m {x}"}#< CLIXML <Objs/>`;
    expect(parseErrorRecord(stderr)).toMatchObject({ category: 'ObjectNotFound', message: 'm {x}' });
  });

  it('falls back to the CLIXML error text when the wrapper did not run', () => {
    const stderr =
      '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">Get-VM : The term _x0027_Get-VM_x0027_ is not recognized as the name of a cmdlet_x000D__x000A_</S>' +
      '<S S="Error">At line:1 char:1 &amp; more_x000D__x000A_</S></Objs>';
    expect(clixmlErrorText(stderr)).toBe("Get-VM : The term 'Get-VM' is not recognized as the name of a cmdlet\r\nAt line:1 char:1 & more");
    expect(powershellError('listVms', stderr, 1)).toMatchObject({ kind: 'UNSUPPORTED' });
    expect(powershellError('listVms', 'something else', 1)).toMatchObject({ kind: 'FAILED', message: 'listVms: PowerShell exited with 1: something else' });
  });
});
