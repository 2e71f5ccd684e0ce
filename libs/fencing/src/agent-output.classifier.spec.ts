import { classifyFailure, judgeAttempt } from './agent-output.classifier';

// stderr as the installed agents printed it (timestamps kept: the patterns must not depend on them)
const IPMI_WRONG_PASSWORD = `2026-11-21 23:49:26,252 INFO: Executing: /usr/bin/ipmitool -I lanplus -H 127.0.0.1 -p 9623 -U admin -P [set] -C 3 -L ADMINISTRATOR -N 2 chassis power status -v

2026-11-21 23:49:26,281 DEBUG: 1  Loading IANA PEN Registry...
> RAKP 2 HMAC is invalid
Error: Unable to establish IPMI v2 / RMCP+ session


2026-11-21 23:49:26,282 ERROR: Failed: Unable to obtain correct plug status or plug is not available
`;
const IPMI_WRONG_USER = `2026-11-21 23:49:26,281 DEBUG: 1  Loading IANA PEN Registry...
RAKP 2 message indicates an error : unauthorized name
Error: Unable to establish IPMI v2 / RMCP+ session
2026-11-21 23:49:26,282 ERROR: Failed: Unable to obtain correct plug status or plug is not available
`;
const IPMI_DEAD = `2026-11-21 23:48:58,718 ERROR: Connection timed out\n\n`;
const IPMI_NO_ANSWER = `Get Auth Capabilities error
Error issuing Get Channel Authentication Capabilities request
Error: Unable to establish IPMI v2 / RMCP+ session
2026-11-21 23:49:26,282 ERROR: Failed: Unable to obtain correct plug status or plug is not available`;
const REDFISH_REFUSED = `2026-11-21 23:51:16,831 ERROR: Failed: send_get_request: HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: /redfish/v1 (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f0bd31807d0>: Failed to establish a new connection: [Errno 111] Connection refused'))

2026-11-21 23:51:16,831 ERROR: Please use '-h' for usage
`;
const LOGIN_DENIED = `2026-11-21 23:51:16,887 ERROR: Unable to connect/login to fencing device\n`;
const LOGIN_DENIED_REFUSED = `2026-11-21 23:51:16,880 DEBUG: Failed: (7, 'Failed to connect to 127.0.0.1 port 9 after 0 ms: Connection refused')
2026-11-21 23:51:16,887 ERROR: Unable to connect/login to fencing device\n`;
const MISSING_LOGIN = `2026-11-21 23:51:27,086 ERROR: Failed: You have to set login name\n\n2026-11-21 23:51:27,086 ERROR: Please use '-h' for usage\n`;
const BAD_CHOICE = `ERROR:root:Failed: You have to enter a valid choice for --auth from the valid values: ['md5', 'password', 'none']\n`;
const VIRT_REFUSED = 'Unable to connect to fence_virtd host 127.0.0.1:12299 Bad file descriptor\nOperation failed\n';
const VIRT_WRONG_KEY = 'Error reading challenge response: Broken pipeInvalid response to challenge\nOperation failed\n';
const VIRT_NO_KEY = "Invalid key file: '/tmp/nokey' (No such file or directory)\n  debug    Specify (stdin) or increment (command line) debug level\n";
const VIRT_FAILED = 'Operation failed\n';
const WAITING_OFF = '2026-11-21 23:51:27,086 ERROR: Failed: Timed out waiting to power OFF\n';

describe('classifyFailure', () => {
  it.each([
    ['ipmitool: wrong password', IPMI_WRONG_PASSWORD, 'AUTH_FAILED'],
    ['ipmitool: unknown user', IPMI_WRONG_USER, 'AUTH_FAILED'],
    ['fencing.py killed ipmitool after power_timeout', IPMI_DEAD, 'UNREACHABLE'],
    ['ipmitool: nothing answering', IPMI_NO_ANSWER, 'UNREACHABLE'],
    ['redfish: connection refused (with the usage line)', REDFISH_REFUSED, 'UNREACHABLE'],
    ['fencing.py: connect/login denied', LOGIN_DENIED, 'AUTH_FAILED'],
    ['fencing.py: connect/login denied, verbose shows a refused connection', LOGIN_DENIED_REFUSED, 'UNREACHABLE'],
    ['fencing.py: missing option', MISSING_LOGIN, 'BAD_CONFIG'],
    ['fencing.py: invalid choice', BAD_CHOICE, 'BAD_CONFIG'],
    ['fence_virt: daemon not there', VIRT_REFUSED, 'UNREACHABLE'],
    ['fence_virt: wrong key', VIRT_WRONG_KEY, 'AUTH_FAILED'],
    ['fence_virt: no key file', VIRT_NO_KEY, 'BAD_CONFIG'],
    ['fence_virt: operation failed', VIRT_FAILED, 'FAILED'],
    ['power state never changed (reachable device)', WAITING_OFF, 'FAILED'],
    ['nothing at all', '', 'FAILED'],
  ])('%s → %s', (_what, stderr, kind) => {
    expect(classifyFailure(stderr)).toBe(kind);
  });
});

describe('judgeAttempt', () => {
  it('maps the fence-agent API exit codes', () => {
    expect(judgeAttempt('status', 0, '')).toEqual({ ok: true, powerState: 'on' });
    expect(judgeAttempt('status', 2, '')).toEqual({ ok: true, powerState: 'off' });
    expect(judgeAttempt('status', 1, IPMI_DEAD)).toEqual({ ok: false, powerState: 'unknown', kind: 'UNREACHABLE' });
    expect(judgeAttempt('off', 0, '')).toEqual({ ok: true, powerState: 'off' });
    expect(judgeAttempt('on', 0, '')).toEqual({ ok: true, powerState: 'on' });
    expect(judgeAttempt('reboot', 0, '')).toEqual({ ok: true, powerState: 'on' });
    expect(judgeAttempt('list', 0, '')).toEqual({ ok: true, powerState: 'unknown' });
    expect(judgeAttempt('monitor', 0, '')).toEqual({ ok: true, powerState: 'unknown' });
  });

  it('treats 2 as failure for everything but status, and any other code as failure', () => {
    expect(judgeAttempt('off', 2, '')).toMatchObject({ ok: false, kind: 'FAILED' });
    expect(judgeAttempt('status', 3, '')).toMatchObject({ ok: false });
    expect(judgeAttempt('on', null, '')).toMatchObject({ ok: false });
  });

  it('says the power state is unknown after a reboot whose power-on timed out (the node is fenced)', () => {
    expect(judgeAttempt('reboot', 0, '2026-11-21 23:51:27,086 ERROR: Timed out waiting to power ON\n')).toEqual({ ok: true, powerState: 'unknown' });
  });
});
