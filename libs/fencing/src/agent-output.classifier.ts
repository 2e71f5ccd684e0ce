import type { FenceErrorKind, PowerState } from './fence.errors';

export type FenceAction = 'on' | 'off' | 'reboot' | 'status' | 'monitor' | 'list';

/**
 * What the agents print when they fail, learnt from the real ones (fencing.py's `fail()` texts,
 * ipmitool's with `-v`, fence_virt's, urllib3/pycurl errors). Checked in this order: a message
 * about the configuration wins over the connection errors an agent may log along the way, an
 * explicit refusal of the credentials over a generic "cannot connect".
 */
const BAD_CONFIG: readonly RegExp[] = [
  /Failed: You have to (enter|set)/i, // fencing.py _validate_input: missing login, address, password, plug
  /valid choice for|is not a valid (time|integer)/i,
  /Failed: Unrecognised action/i,
  /Parse error: (?!Ignoring)/i,
  /Ipmitool not found|Unable to run |No such file or directory: '/i,
  /Invalid key file|Domain\/UUID may not be specified more than once/i, // fence_virt
  /identity file .* does not exist|You have to use identity file together with ssh/i,
  /Unable to create file/i,
];

// Explicit refusals of the credentials.
const AUTH_FAILED: readonly RegExp[] = [
  /RAKP 2 HMAC is invalid/i, // ipmitool -v, lanplus: wrong password
  /RAKP \d message indicates an error : (unauthorized name|invalid|inactive)/i, // lanplus: unknown user, ...
  /Activate Session (command failed|error)|Invalid user name|Password invalid/i, // lan (IPMI 1.5)
  /Invalid response to challenge/i, // fence_virt with the wrong key
  /\b401\b.*(Unauthorized|Authentication)|Authentication (failed|required)|Invalid credentials|Permission denied \(publickey|Login (failed|incorrect)|Access denied/i,
  /The user does not have the correct privileges/i,
];

const UNREACHABLE: readonly RegExp[] = [
  /Connection timed out/i, // fencing.py EC_TIMED_OUT: it killed its helper (ipmitool) after power_timeout
  /Connection refused|No route to host|Network is unreachable|Host is unreachable/i,
  /Name or service not known|Temporary failure in name resolution|Could not resolve host/i,
  /Get Auth Capabilities (error|command failed)|Error issuing Get Channel Authentication Capabilities/i, // ipmitool: no BMC
  /Unable to establish (IPMI v[0-9.]+ \/ RMCP\+? |LAN )?session/i,
  /Unable to connect to fence_virtd host|Failed to establish a new connection|Max retries exceeded|Failed to connect to/i,
  /ConnectTimeout|connect timeout|Read timed out|Connection lost|Connection reset by peer/i,
];

// fencing.py's one message for a refused login and for a failed connection (pexpect EOF/timeout).
const LOGIN_OR_CONNECT = /Unable to connect\/login to fencing device/i;

/**
 * The kind of a failed attempt from the agent's stderr. "Unable to connect/login" counts as
 * AUTH_FAILED unless the output also names a network cause (agents print it with `verbose`).
 */
export function classifyFailure(stderr: string): FenceErrorKind {
  if (BAD_CONFIG.some((r) => r.test(stderr))) return 'BAD_CONFIG';
  if (AUTH_FAILED.some((r) => r.test(stderr))) return 'AUTH_FAILED';
  const network = UNREACHABLE.some((r) => r.test(stderr));
  if (LOGIN_OR_CONNECT.test(stderr)) return network ? 'UNREACHABLE' : 'AUTH_FAILED';
  if (network) return 'UNREACHABLE';
  // fence_redfish's fail_usage adds this line to connection errors, so it only counts after them
  if (/Please use '-h' for usage/i.test(stderr)) return 'BAD_CONFIG';
  return 'FAILED';
}

export interface AttemptVerdict {
  readonly ok: boolean;
  readonly powerState: PowerState;
  /** Set when !ok. */
  readonly kind?: FenceErrorKind;
}

/**
 * The fence-agent API's exit codes: 0 success (for `status`: power on), 2 for `status`: power off,
 * 1 and anything else failure. After a successful `reboot` the agent may still have failed to
 * power the node back on (it logs "Timed out waiting to power ON" and exits 0: the node is fenced).
 */
export function judgeAttempt(action: FenceAction, exitCode: number | null, stderr: string): AttemptVerdict {
  if (action === 'status') {
    if (exitCode === 0) return { ok: true, powerState: 'on' };
    if (exitCode === 2) return { ok: true, powerState: 'off' };
  } else if (exitCode === 0) {
    if (action === 'on') return { ok: true, powerState: 'on' };
    if (action === 'off') return { ok: true, powerState: 'off' };
    if (action === 'reboot') return { ok: true, powerState: /Timed out waiting to power ON/i.test(stderr) ? 'unknown' : 'on' };
    return { ok: true, powerState: 'unknown' };
  }
  return { ok: false, powerState: 'unknown', kind: classifyFailure(stderr) };
}
