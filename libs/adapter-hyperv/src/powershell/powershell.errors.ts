import { AdapterError, type AdapterErrorKind } from '@haaas/hypervisor';
import { ERROR_MARKER } from './powershell.script';

/** The facts of a PowerShell ErrorRecord, as the script wrapper reports them. */
export interface PsErrorRecord {
  /** CategoryInfo.Category: ObjectNotFound, InvalidOperation, PermissionDenied, ... */
  readonly category: string;
  /** CategoryInfo.Reason: usually the exception's short type name. */
  readonly reason?: string;
  /** FullyQualifiedErrorId, e.g. `InvalidState,Microsoft.HyperV.PowerShell.Commands.StartVM`. */
  readonly id: string;
  /** Exception type, e.g. Microsoft.HyperV.PowerShell.VirtualizationException. */
  readonly type: string;
  readonly message: string;
}

/** The wrapper's error record on stderr, if there is one. */
export function parseErrorRecord(stderr: string): PsErrorRecord | undefined {
  for (const line of stderr.split(/\r?\n/)) {
    const at = line.indexOf(ERROR_MARKER);
    if (at < 0) continue;
    const raw = firstJsonObject(line.slice(at + ERROR_MARKER.length));
    if (!raw) continue;
    const text = (k: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
    return { category: text('category'), reason: text('reason') || undefined, id: text('id'), type: text('type'), message: text('message') };
  }
  return undefined;
}

/** The JSON object at the start of `text`, even when other output follows it on the line. */
function firstJsonObject(text: string): Record<string, unknown> | undefined {
  for (let end = text.lastIndexOf('}'); end > 0; end = text.lastIndexOf('}', end - 1)) {
    try {
      const value = JSON.parse(text.slice(0, end + 1)) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // shorter
    }
  }
  return undefined;
}

/**
 * The error text of PowerShell's CLIXML stderr (`#< CLIXML` then `<S S="Error">` lines with
 * `_x000D__x000A_` escapes), which is what a failure outside the wrapper looks like over WinRM.
 */
export function clixmlErrorText(stderr: string): string {
  if (!stderr.includes('#< CLIXML')) return stderr.trim();
  const parts: string[] = [];
  for (const m of stderr.matchAll(/<S S="Error">([\s\S]*?)<\/S>/g)) parts.push(decodeClixml(m[1] ?? ''));
  return parts.join('').trim();
}

function decodeClixml(text: string): string {
  return text
    .replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

// Only the VM itself: "the network path was not found" in a failed migration is not a missing VM.
const NOT_FOUND_TEXT = /unable to find a virtual machine/i;
const INVALID_STATE_TEXT = /cannot be performed while the object is in its current state|failed to change state/i;

/** What a PowerShell error means to the failover engine. Order matters: see the comments. */
export function errorKind(e: PsErrorRecord): AdapterErrorKind {
  // 'Get-VM' is not recognized: category ObjectNotFound too, but it is the Hyper-V module missing
  if (e.type.endsWith('CommandNotFoundException') || e.category === 'NotInstalled') return 'UNSUPPORTED';
  if (e.category === 'PermissionDenied' || e.category === 'SecurityError' || e.category === 'AuthenticationError' || e.type.endsWith('UnauthorizedAccessException')) {
    return 'AUTH_FAILED';
  }
  // Get-VM -Name x: InvalidArgument / InvalidParameter with "unable to find a virtual machine"
  if (e.category === 'ObjectNotFound' || e.id.startsWith('ObjectNotFound') || (e.type.endsWith('VirtualizationException') && NOT_FOUND_TEXT.test(e.message))) {
    return 'NOT_FOUND';
  }
  if (e.id.startsWith('InvalidState') || (e.category === 'InvalidOperation' && INVALID_STATE_TEXT.test(e.message))) return 'INVALID_STATE';
  if (e.category === 'OperationTimeout') return 'TIMEOUT';
  return 'FAILED';
}

/** The AdapterError of a script that exited non-zero. */
export function powershellError(operation: string, stderr: string, exitCode: number): AdapterError {
  const record = parseErrorRecord(stderr);
  if (record) {
    const detail = record.id ? ` [${record.id}]` : '';
    return new AdapterError(errorKind(record), `${operation}: ${record.message.replace(/\s+/g, ' ').trim()}${detail}`, operation);
  }
  const text = clixmlErrorText(stderr).replace(/\s+/g, ' ').trim();
  const kind: AdapterErrorKind = /is not recognized as the name of a cmdlet/i.test(text) ? 'UNSUPPORTED' : 'FAILED';
  return new AdapterError(kind, `${operation}: PowerShell exited with ${exitCode}${text ? `: ${text.slice(0, 500)}` : ''}`, operation);
}
