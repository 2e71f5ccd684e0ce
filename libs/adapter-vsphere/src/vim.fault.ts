import { AdapterError, type AdapterErrorKind } from '@haaas/hypervisor';
import { redact } from '@haaas/secrets';
import { child, text, type VimFaultInfo } from './soap.xml';

/** A vim25 fault as the server sent it (SOAP fault, Task.info.error or a missingSet entry). */
export class VimFault extends Error {
  readonly type: string;
  readonly detail: VimFaultInfo['detail'];

  constructor(info: VimFaultInfo) {
    super(info.type);
    this.name = 'VimFault';
    this.type = info.type;
    this.detail = info.detail;
    // vcsim's localizedMessage is the Go type name (`*types.InvalidPowerState`): no news
    const message = /^\*?types\.\w+$/.test(info.message) ? '' : info.message;
    const existing = this.field('existingState');
    const state = existing ? ` (power state ${existing}${this.field('requestedState') ? `, wanted ${this.field('requestedState')}` : ''})` : '';
    this.message = `${info.type}${message ? `: ${message}` : ''}${state}`;
  }

  /** A field of the fault's detail, e.g. `existingState` of InvalidPowerState. */
  field(name: string): string | undefined {
    return this.detail ? text(child(this.detail, name))?.trim() : undefined;
  }
}

/** The transport failed (no SOAP answer at all): refused, reset, TLS, HTTP status. */
export class TransportError extends Error {
  constructor(
    readonly kind: AdapterErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/*
 * vim25 faults by what the failover engine should do about them. The vim fault hierarchy is deep;
 * these are the leaves and parents that vCenter and ESXi actually return for the calls we make.
 */
const FAULT_KINDS: Readonly<Record<string, AdapterErrorKind>> = {
  // bad credentials or missing privileges: retrying cannot help
  InvalidLogin: 'AUTH_FAILED',
  NotAuthenticated: 'AUTH_FAILED',
  NoPermission: 'AUTH_FAILED',
  PasswordExpired: 'AUTH_FAILED',
  InvalidCertificate: 'AUTH_FAILED',
  // the object is gone
  ManagedObjectNotFound: 'NOT_FOUND',
  NotFound: 'NOT_FOUND',
  FileNotFound: 'NOT_FOUND',
  // the object exists but is in the wrong state for this call
  InvalidPowerState: 'INVALID_STATE',
  InvalidState: 'INVALID_STATE',
  InvalidHostState: 'INVALID_STATE',
  InvalidDatastoreState: 'INVALID_STATE',
  HostInMaintenanceMode: 'INVALID_STATE',
  ToolsUnavailable: 'INVALID_STATE',
  AlreadyExists: 'INVALID_STATE',
  DuplicateName: 'INVALID_STATE',
  VmAlreadyExistsInDatacenter: 'INVALID_STATE',
  DisallowedOperationOnFailoverHost: 'INVALID_STATE',
  // the manager cannot talk to the host: the host may be dead
  HostNotConnected: 'UNREACHABLE',
  HostNotReachable: 'UNREACHABLE',
  HostCommunication: 'UNREACHABLE',
  // the manager (or this simulator) does not offer the call
  NotSupported: 'UNSUPPORTED',
  NotImplemented: 'UNSUPPORTED',
  MethodNotFound: 'UNSUPPORTED',
  MethodDisabled: 'UNSUPPORTED',
  NotSupportedHost: 'UNSUPPORTED',
  // the server gave up waiting itself
  Timedout: 'TIMEOUT',
};

export function faultKind(type: string): AdapterErrorKind {
  return FAULT_KINDS[type] ?? 'FAILED';
}

// Node's error codes for a peer that cannot be reached or went away mid-call.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

// A certificate we do not trust is a failed authentication of the server: retrying cannot help.
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Classifies an error of `https.request` (not an abort: the caller checks its signal first). */
export function transportError(error: unknown): TransportError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (UNREACHABLE_CODES.has(code)) return new TransportError('UNREACHABLE', `cannot reach the vSphere endpoint (${code})`, { cause: error });
  if (TLS_TRUST_CODES.has(code)) {
    return new TransportError('AUTH_FAILED', `the server's TLS certificate is not trusted (${code}); set insecureTls only for a lab`, { cause: error });
  }
  return new TransportError('FAILED', `request failed: ${message}`, { cause: error });
}

/** HTTP statuses without a SOAP fault: a vCenter whose services are (re)starting answers 503. */
export function httpStatusKind(status: number): AdapterErrorKind {
  if (status === 401 || status === 403) return 'AUTH_FAILED';
  if (status === 502 || status === 503 || status === 504) return 'UNREACHABLE';
  if (status === 404) return 'UNSUPPORTED';
  return 'FAILED';
}

/**
 * Any error of an operation as an AdapterError: the deadline first (an aborted request surfaces
 * as whatever the socket said), then faults and transport errors. Messages never carry secrets.
 */
export function toAdapterError(error: unknown, operation: string, signal: AbortSignal, secrets: readonly string[]): AdapterError {
  const clean = (m: string): string => redact(`${operation}: ${m}`, secrets);
  if (error instanceof AdapterError) {
    // ours, already worded and redacted (e.g. TIMEOUT from the deadline helpers, NOT_FOUND by name)
    return error.operation === operation ? error : new AdapterError(error.kind, clean(error.message), operation, { cause: error });
  }
  if (signal.aborted) return new AdapterError('TIMEOUT', clean('deadline passed'), operation, { cause: signal.reason });
  if (error instanceof VimFault) return new AdapterError(faultKind(error.type), clean(error.message), operation, { cause: error });
  if (error instanceof TransportError) return new AdapterError(error.kind, clean(error.message), operation, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new AdapterError('FAILED', clean(message), operation, { cause: error });
}
