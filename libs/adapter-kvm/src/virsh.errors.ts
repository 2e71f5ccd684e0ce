import { AdapterError, type AdapterErrorKind } from '@haaas/hypervisor';
import { redact } from '@haaas/secrets';

/**
 * Lines the interactive virsh prints on stderr about the connection itself, not about the command
 * that follows: after a dropped connection virsh reconnects on the next command, and when that
 * succeeds the command succeeds too, with this stale notice in front of it.
 */
const CONNECTION_NOTICES = [/^error: Disconnected from .* due to .*$/, /^error: Reconnected to the hypervisor$/];

/** virsh's `error: ...` lines (LC_ALL=C), without the prefix; libvirt's own debug/log lines are ignored. */
export function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.startsWith('error: '))
    .map((line) => line.slice('error: '.length));
}

/** The error lines that say the command failed (connection notices removed). */
export function commandErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.startsWith('error: ') && !CONNECTION_NOTICES.some((re) => re.test(line)))
    .map((line) => line.slice('error: '.length));
}

// Checked in this order: credentials first (a refused login also "fails to connect"), then a host
// that does not answer (a lost connection also "fails to get domain"), then the command's verdict.
const RULES: ReadonlyArray<readonly [AdapterErrorKind, RegExp]> = [
  [
    'AUTH_FAILED',
    /authentication failed|authentication unavailable|access denied|Permission denied \(publickey|Host key verification failed|SASL\(|SASL negotiation|no authentication methods|unable to verify server certificate|certificate .*(?:not trusted|expired|revoked|invalid)|credentials required/i,
  ],
  ['UNSUPPORTED', /no connection driver available|this function is not supported|not supported by the connection driver|Operation not supported/i],
  [
    'UNREACHABLE',
    /failed to connect to the hypervisor|Failed to connect socket|Failed to reconnect|Unable to connect to server|Connection refused|End of file while reading data|client socket is closed|Cannot recv data|Cannot write data|Broken pipe|Connection reset|No route to host|Network is unreachable|Connection timed out|Name or service not known|Temporary failure in name resolution|keepalive|Disconnected from .* due to|not connected to the hypervisor|no valid connection/i,
  ],
  ['NOT_FOUND', /failed to get domain|Domain not found|no domain with matching/i],
  [
    'INVALID_STATE',
    /Requested operation is not valid|is not running|not running|already running|already active|already exists with uuid|already defined with uuid|is already defined|not paused|domain is not persistent/i,
  ],
];

/**
 * The AdapterError kind of a failed virsh command, from its stderr. `refs` are the VM names the
 * command named: they are blanked out first, so that a VM called "Connection refused" is NOT_FOUND
 * when missing, not UNREACHABLE.
 */
export function classifyVirshError(stderr: string, refs: readonly string[] = []): AdapterErrorKind {
  const lines = commandErrors(stderr);
  let text = (lines.length > 0 ? lines : errorLines(stderr)).join('\n');
  for (const ref of refs.filter((r) => r.length > 0)) text = text.split(ref).join('<vm>');
  for (const [kind, re] of RULES) if (re.test(text)) return kind;
  return 'FAILED';
}

/** The message of a failed command: its error lines (or the last lines of stderr), one line. */
export function virshErrorText(stderr: string): string {
  const lines = commandErrors(stderr);
  const chosen = lines.length > 0 ? lines : errorLines(stderr);
  if (chosen.length > 0) return chosen.join('; ');
  const tail = stderr.trim().split('\n').slice(-3).join('; ');
  return tail || 'virsh failed without a message';
}

export interface VirshFailure {
  readonly operation: string;
  /** What was being done, for the message: `startVm vm1 on test+unix:///default`. */
  readonly what: string;
  readonly stderr: string;
  readonly refs?: readonly string[];
  readonly secrets: readonly string[];
}

/** A failed virsh command as the AdapterError the failover engine understands. */
export function virshError(f: VirshFailure): AdapterError {
  const kind = classifyVirshError(f.stderr, f.refs);
  return new AdapterError(kind, redact(`${f.what}: ${virshErrorText(f.stderr)}`, f.secrets), f.operation);
}
