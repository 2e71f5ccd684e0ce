import { parseEndpointUri } from '../hyperv.adapter';
import { negotiateToken } from './winrm.transport';
import { commandRequest, createShellRequest, faultKind, parseFault, parseReceive, parseShellId, WsmanAction } from './wsman.envelope';
import { find, findText, parseXml } from './wsman.xml';

const common = { to: 'http://hv01:5985/wsman', operationTimeoutS: 20, maxEnvelopeSize: 153600 };

describe('WS-Management envelopes', () => {
  it('builds a Create shell request with the cmd resource URI and options', () => {
    const doc = parseXml(createShellRequest(common, { codepage: 65001 }));
    expect(findText(doc, 'Action')).toBe(WsmanAction.Create);
    expect(findText(doc, 'ResourceURI')).toBe('http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd');
    expect(findText(doc, 'OperationTimeout')).toBe('PT20S');
    expect(findText(find(doc, 'Shell') ?? doc, 'OutputStreams')).toBe('stdout stderr');
  });

  it('escapes the command line', () => {
    const doc = parseXml(commandRequest(common, 'S1', 'echo <a> & "b"'));
    expect(findText(doc, 'Command')).toBe('echo <a> & "b"');
    expect(find(doc, 'Selector')?.attrs['Name']).toBe('ShellId');
  });

  it('reads the ShellId from a selector or from rsp:ShellId (the Go test server sends only that)', () => {
    expect(parseShellId(parseXml('<s:Envelope xmlns:s="x"><s:Body><w:Selector xmlns:w="y" Name="ShellId">ABC</w:Selector></s:Body></s:Envelope>'))).toBe('ABC');
    expect(parseShellId(parseXml('<env:Envelope xmlns:env="x" xmlns:rsp="y"><rsp:ShellId>123</rsp:ShellId></env:Envelope>'))).toBe('123');
  });

  it('decodes streams of the command and the exit code', () => {
    const doc = parseXml(
      '<s:Envelope xmlns:s="x" xmlns:rsp="r"><s:Body><rsp:ReceiveResponse>' +
        `<rsp:Stream Name="stdout" CommandId="C">${Buffer.from('hé').toString('base64')}</rsp:Stream>` +
        `<rsp:Stream Name="stderr" CommandId="C">${Buffer.from('err').toString('base64')}</rsp:Stream>` +
        `<rsp:Stream Name="stdout" CommandId="OTHER">${Buffer.from('no').toString('base64')}</rsp:Stream>` +
        '<rsp:Stream Name="stdout" CommandId="C" End="true"></rsp:Stream>' +
        '<rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>-1</rsp:ExitCode></rsp:CommandState>' +
        '</rsp:ReceiveResponse></s:Body></s:Envelope>',
    );
    const chunk = parseReceive(doc, 'C');
    expect(Buffer.concat(chunk.stdout).toString()).toBe('hé');
    expect(Buffer.concat(chunk.stderr).toString()).toBe('err');
    expect(chunk).toMatchObject({ done: true, exitCode: -1 });
  });

  it('reads a Windows fault and maps it', () => {
    const fault = parseFault(
      parseXml(
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code>' +
          '<s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  </s:Text></s:Reason>' +
          '<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="hv01"><f:Message>timed out</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>',
      ),
    );
    expect(fault).toEqual({ code: 'Receiver', subcode: 'TimedOut', reason: expect.stringContaining('OperationTimeout'), wsmanCode: 2150858793, message: 'timed out', machine: 'hv01' });
    expect(fault && faultKind(fault)).toBe('TIMEOUT');
    expect(faultKind({ subcode: 'AccessDenied', wsmanCode: 5 })).toBe('AUTH_FAILED');
    expect(faultKind({ subcode: 'InvalidSelectors', wsmanCode: 2150858843 })).toBe('FAILED');
    expect(faultKind({ subcode: 'ActionNotSupported' })).toBe('UNSUPPORTED');
    expect(parseFault(parseXml('<a/>'))).toBeUndefined();
  });

  it('takes the NTLM token out of WWW-Authenticate headers', () => {
    expect(negotiateToken(['Basic realm="WSMAN"', 'Negotiate TlRMTVNTUAAC'])?.toString('latin1')).toBe('NTLMSSP\0\x02');
    expect(negotiateToken('Negotiate')).toBeUndefined();
    expect(negotiateToken(undefined)).toBeUndefined();
  });
});

describe('endpoint URIs', () => {
  it('defaults the path and port, and reads ?auth=', () => {
    expect(parseEndpointUri('https://hv01.lab.local')).toEqual({ url: 'https://hv01.lab.local:5986/wsman', auth: 'ntlm' });
    expect(parseEndpointUri('http://hv01:5985/wsman?auth=basic')).toEqual({ url: 'http://hv01:5985/wsman', auth: 'basic' });
    expect(parseEndpointUri('https://hv01:443/wsman').url).toBe('https://hv01/wsman');
    expect(() => parseEndpointUri('qemu+ssh://h/system')).toThrow(/http\(s\)/);
    expect(() => parseEndpointUri('https://h/wsman?auth=kerberos')).toThrow(/unknown WinRM authentication/);
  });
});
