import { AdapterError } from '@haaas/hypervisor';
import { parseXml, readLocalizedFault, soapBody, readSoapFault, NS } from './soap.xml';
import { faultKind, httpStatusKind, toAdapterError, TransportError, transportError, VimFault } from './vim.fault';

const live = new AbortController().signal;

// Task.info.error of a PowerOnVM_Task on a running VM, as vcsim v0.46.3 reports it.
const TASK_ERROR = `<val xmlns="urn:vim25" xmlns:XMLSchema-instance="${NS.xsi}" XMLSchema-instance:type="LocalizedMethodFault"><fault XMLSchema-instance:type="InvalidPowerState"><requestedState>poweredOn</requestedState><existingState>poweredOn</existingState></fault><localizedMessage>*types.InvalidPowerState</localizedMessage></val>`;

describe('vim25 faults', () => {
  it('maps the faults the failover engine must tell apart', () => {
    expect(faultKind('InvalidLogin')).toBe('AUTH_FAILED');
    expect(faultKind('NotAuthenticated')).toBe('AUTH_FAILED');
    expect(faultKind('NoPermission')).toBe('AUTH_FAILED');
    expect(faultKind('ManagedObjectNotFound')).toBe('NOT_FOUND');
    expect(faultKind('InvalidPowerState')).toBe('INVALID_STATE');
    expect(faultKind('InvalidState')).toBe('INVALID_STATE');
    expect(faultKind('ToolsUnavailable')).toBe('INVALID_STATE');
    expect(faultKind('HostNotConnected')).toBe('UNREACHABLE');
    expect(faultKind('MethodNotFound')).toBe('UNSUPPORTED');
    expect(faultKind('NotSupported')).toBe('UNSUPPORTED');
    expect(faultKind('TaskInProgress')).toBe('FAILED');
    expect(faultKind('SomethingNew')).toBe('FAILED');
  });

  it('reads a task error with its power states, without vcsim Go type names in the message', () => {
    const fault = new VimFault(readLocalizedFault(parseXml(TASK_ERROR)));
    expect(fault.type).toBe('InvalidPowerState');
    expect(fault.field('existingState')).toBe('poweredOn');
    expect(fault.message).toBe('InvalidPowerState (power state poweredOn, wanted poweredOn)');
  });

  it('keeps a real server message', () => {
    const xml = `<s:Envelope xmlns:s="${NS.soapenv}" xmlns:xsi="${NS.xsi}"><s:Body><s:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The object 'vim.VirtualMachine:vm-9' has already been deleted</faultstring><detail><ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">vm-9</obj></ManagedObjectNotFoundFault></detail></s:Fault></s:Body></s:Envelope>`;
    const fault = new VimFault(readSoapFault(soapBody(parseXml(xml))));
    expect(fault.message).toBe("ManagedObjectNotFound: The object 'vim.VirtualMachine:vm-9' has already been deleted");
  });
});

describe('transport errors', () => {
  it('calls refused, reset and unroutable connections UNREACHABLE', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND']) {
      expect(transportError(err(code)).kind).toBe('UNREACHABLE');
    }
  });

  it('calls an untrusted certificate AUTH_FAILED (retrying cannot help) and says how to accept one', () => {
    const e = transportError(err('DEPTH_ZERO_SELF_SIGNED_CERT'));
    expect(e.kind).toBe('AUTH_FAILED');
    expect(e.message).toMatch(/certificate is not trusted.*insecureTls/);
    expect(transportError(err('ERR_TLS_CERT_ALTNAME_INVALID')).kind).toBe('AUTH_FAILED');
  });

  it('maps HTTP statuses without a SOAP body', () => {
    expect(httpStatusKind(503)).toBe('UNREACHABLE');
    expect(httpStatusKind(401)).toBe('AUTH_FAILED');
    expect(httpStatusKind(404)).toBe('UNSUPPORTED');
    expect(httpStatusKind(418)).toBe('FAILED');
  });
});

describe('toAdapterError', () => {
  it('names the operation, keeps the kind and never carries a secret', () => {
    const secret = 'hunter2&<';
    const e = toAdapterError(new TransportError('FAILED', `echo ${secret} back`), 'startVm', live, [secret]);
    expect(e).toBeInstanceOf(AdapterError);
    expect(e).toMatchObject({ kind: 'FAILED', operation: 'startVm', message: 'startVm: echo *** back' });
    const v = toAdapterError(new VimFault({ type: 'InvalidLogin', message: `bad ${secret}` }), 'probe', live, [secret]);
    expect(v).toMatchObject({ kind: 'AUTH_FAILED', message: 'probe: InvalidLogin: bad ***' });
  });

  it('calls anything that ends after the deadline fired TIMEOUT', () => {
    const c = new AbortController();
    c.abort(new DOMException('late', 'TimeoutError'));
    expect(toAdapterError(transportError(err('ECONNRESET')), 'stopVm', c.signal, [])).toMatchObject({ kind: 'TIMEOUT', operation: 'stopVm' });
  });

  it('passes its own AdapterErrors through', () => {
    const own = new AdapterError('NOT_FOUND', 'getVm: VM x not found', 'getVm');
    expect(toAdapterError(own, 'getVm', live, [])).toBe(own);
    const helper = new AdapterError('NOT_FOUND', 'VM x not found', 'findVm');
    expect(toAdapterError(helper, 'startVm', live, [])).toMatchObject({ kind: 'NOT_FOUND', operation: 'startVm', message: 'startVm: VM x not found' });
  });
});

function err(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`x ${code}`), { code });
}
