import { redact } from '@haaas/secrets';
import { classifyVirshError, commandErrors, virshError, virshErrorText } from './virsh.errors';

// Messages as libvirt 9.0's virsh prints them with LC_ALL=C (seen against libvirtd's test driver and in libvirt's sources).
describe('virsh error mapping', () => {
  it.each([
    ["error: failed to get domain 'nosuch'\n", 'NOT_FOUND'],
    ["error: failed to get domain 'x'\nerror: Domain not found: no domain with matching name 'x'\n", 'NOT_FOUND'],
    ['error: Domain is already active\n', 'INVALID_STATE'],
    ["error: Failed to destroy domain 'test'\nerror: Requested operation is not valid: domain is not running\n", 'INVALID_STATE'],
    ["error: Failed to shutdown domain 'test'\nerror: internal error: domain 'test' not running\n", 'INVALID_STATE'],
    ["error: Failed to define domain from /tmp/x.xml\nerror: operation failed: domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f\n", 'INVALID_STATE'],
    ['error: this function is not supported by the connection driver: virDomainMigrate3\n', 'UNSUPPORTED'],
    ['error: failed to connect to the hypervisor\nerror: no connection driver available for foo:///\n', 'UNSUPPORTED'],
    ["error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/run/x/libvirt-sock': Connection refused\n", 'UNREACHABLE'],
    ["error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/run/x/libvirt-sock': No such file or directory\n", 'UNREACHABLE'],
    ["error: Disconnected from test+unix:///default due to end of file\nerror: Failed to reconnect to the hypervisor\nerror: Failed to connect socket to '/x': Connection refused\n", 'UNREACHABLE'],
    ["error: failed to get domain 'x'\nerror: End of file while reading data: Input/output error\n", 'UNREACHABLE'],
    ['error: internal error: client socket is closed\n', 'UNREACHABLE'],
    ["error: failed to connect to the hypervisor\nerror: Cannot recv data: ssh: connect to host h port 22: No route to host: Connection reset by peer\n", 'UNREACHABLE'],
    ['error: failed to connect to the hypervisor\nerror: authentication failed: authentication failed\n', 'AUTH_FAILED'],
    ['error: failed to connect to the hypervisor\nerror: authentication failed: Failed to start SASL negotiation: -1 (SASL(-1): generic failure: All-whitespace username.)\n', 'AUTH_FAILED'],
    ['error: failed to connect to the hypervisor\nerror: Cannot recv data: root@h: Permission denied (publickey,password).: Connection reset by peer\n', 'AUTH_FAILED'],
    ["error: access denied: 'domain:start' denied\n", 'AUTH_FAILED'],
    ['error: XML error: missing name\n', 'FAILED'],
    ['error: Timed out during operation: cannot acquire state change lock\n', 'FAILED'],
  ])('%j is %s', (stderr, kind) => {
    expect(classifyVirshError(stderr)).toBe(kind);
  });

  it('does not read the VM name as the message', () => {
    expect(classifyVirshError("error: failed to get domain 'Connection refused'\n")).toBe('UNREACHABLE');
    expect(classifyVirshError("error: failed to get domain 'Connection refused'\n", ['Connection refused'])).toBe('NOT_FOUND');
  });

  it('ignores a stale disconnect notice in front of the real verdict', () => {
    const stderr = "error: Disconnected from test+unix:///default due to end of file\nerror: failed to get domain 'x'\n";
    expect(commandErrors(stderr)).toEqual(["failed to get domain 'x'"]);
    expect(classifyVirshError(stderr)).toBe('NOT_FOUND');
    expect(commandErrors('error: Disconnected from qemu:///system due to keepalive timeout\n')).toEqual([]);
  });

  it('keeps only error lines in the message, and libvirt log lines out', () => {
    const stderr = '2026-11-21 23:50:51.301+0000: 28841: debug : virConnectOpenAuth:1277 : name=x\nwarning: something\nerror: one\nerror: two\n';
    expect(virshErrorText(stderr)).toBe('one; two');
    expect(virshErrorText('')).toBe('virsh failed without a message');
  });

  it('builds an AdapterError with kind and operation, secrets redacted', () => {
    const err = virshError({ operation: 'probe', what: 'probe on qemu+tcp://h/system', stderr: 'error: authentication failed: bad password hunter2\n', secrets: ['hunter2'] });
    expect(err).toMatchObject({ kind: 'AUTH_FAILED', operation: 'probe', name: 'AdapterError' });
    expect(err.message).toBe(redact('probe on qemu+tcp://h/system: authentication failed: bad password hunter2', ['hunter2']));
    expect(err.message).not.toContain('hunter2');
    expect(err.retryable).toBe(false);
  });
});
