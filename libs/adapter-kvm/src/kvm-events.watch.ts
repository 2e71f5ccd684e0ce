import type { ChildProcess } from 'node:child_process';
import { AdapterError } from '@haaas/hypervisor';
import { redact } from '@haaas/secrets';
import { redactUri } from './libvirt-uri.util';
import { classifyVirshError, virshErrorText } from './virsh.errors';
import { type KvmDomainEvent, parseEventLine } from './virsh.parse';
import { killGroup, spawnVirsh, type VirshEnvironment } from './virsh.transport';

export interface WatchEventsOptions {
  /** Stops the watch when it fires (a lifetime, not a deadline). */
  readonly signal?: AbortSignal;
  /**
   * How long `ready` may take before it settles anyway: readiness is read from libvirt's debug log
   * (see below); should that log ever change, the watch still becomes ready, only later. Default 2000.
   */
  readonly readyFallbackMs?: number;
}

/** Why a watch ended: stopped by its owner, or lost with the host (an AdapterError, UNREACHABLE mostly). */
export type WatchEnd = { readonly reason: 'stopped' } | { readonly reason: 'lost'; readonly error: AdapterError };

export interface KvmEventWatch {
  /**
   * Resolves once libvirt has registered the lifecycle callback: events from then on are delivered.
   * Rejects (AdapterError) when the stream could not be set up (host down, credentials refused).
   * Events before `ready` can be missed: reconcile with listVms after it.
   */
  readonly ready: Promise<void>;
  /** Settles when the stream ends; never rejects. */
  readonly ended: Promise<WatchEnd>;
  /** Ends the stream (kills its virsh); resolves once it has ended. */
  stop(): Promise<WatchEnd>;
}

// libvirt logs each public API call on entry. virsh registers the event callbacks one after another,
// each a round trip to the daemon, lifecycle (id 0) first: the call for id 1 means id 0 is in place.
const REGISTERED = /virConnectDomainEventRegisterAny:\d+ : .*eventID=(\d+)/;

/**
 * `virsh event --loop --all --timestamp` as a stream of lifecycle (and reboot) events. One virsh per
 * watch, separate from the host's command session: an event loop never answers commands. When the
 * connection drops (host crash, libvirtd restart) virsh ends and so does the watch, `lost` with
 * UNREACHABLE: to the failover engine that is a signal in itself. Watch again to resume.
 */
// eslint-disable-next-line max-lines-per-function -- one closure owns the virsh child's life (spawn, line parsing, end, stop), its state shared by all of them
export function watchDomainEvents(e: VirshEnvironment, secrets: readonly string[], onEvent: (event: KvmDomainEvent) => void, o: WatchEventsOptions = {}): KvmEventWatch {
  const operation = 'watchEvents';
  const what = `watchEvents on ${redactUri(e.uri)}`;
  let readySettled = false;
  let resolveReady!: () => void;
  let rejectReady!: (error: AdapterError) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // a caller that only awaits `ended` must not see an unhandled rejection
  ready.catch(() => undefined);
  const markReady = (): void => {
    if (readySettled) return;
    readySettled = true;
    clearTimeout(fallback);
    resolveReady();
  };

  let resolveEnded!: (end: WatchEnd) => void;
  const ended = new Promise<WatchEnd>((resolve) => (resolveEnded = resolve));
  let stopping = false;

  let child: ChildProcess;
  try {
    child = spawnVirsh(
      // debug log of libvirt's domain API only (readiness), errors of everything else
      { ...e, env: { ...e.env, LIBVIRT_LOG_OUTPUTS: '1:stderr', LIBVIRT_LOG_FILTERS: '1:libvirt.domain 4:*' } },
      ['event', '--loop', '--all', '--timestamp'],
      'ignore',
    );
  } catch (error) {
    const err = new AdapterError('FAILED', `${what}: cannot run virsh: ${(error as Error).message}`, operation, { cause: error });
    readySettled = true;
    rejectReady(err);
    resolveEnded({ reason: 'lost', error: err });
    return { ready, ended, stop: () => ended };
  }
  const fallback = setTimeout(markReady, o.readyFallbackMs ?? 2000);
  fallback.unref();

  let stdoutRest = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const lines = (stdoutRest + chunk).split('\n');
    stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      const event = parseEventLine(line);
      if (!event) continue;
      markReady();
      try {
        onEvent(event);
      } catch {
        // a listener's failure is the listener's; the stream goes on
      }
    }
  });

  // keep only virsh's own lines (and a bounded tail) for the error; the debug lines only for readiness
  let errorText = '';
  let stderrRest = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    const lines = (stderrRest + chunk).split('\n');
    stderrRest = lines.pop() ?? '';
    for (const line of lines) {
      const registered = REGISTERED.exec(line);
      if (registered) {
        if (Number(registered[1]) >= 1) markReady();
        continue;
      }
      // libvirt's own log lines (any level): virsh says what matters again as `error: ...`
      if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d{4}: \d+: \w+ : /.test(line)) continue;
      errorText = `${errorText}${line}\n`.slice(-8192);
    }
  });

  const onAbort = (): void => void stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });

  child.once('error', (error) => errorText += `error: cannot run virsh: ${error.message}\n`);
  child.once('close', (code, sig) => {
    o.signal?.removeEventListener('abort', onAbort);
    clearTimeout(fallback);
    let end: WatchEnd;
    if (stopping) {
      end = { reason: 'stopped' };
    } else {
      const stderr = errorText.trim() ? errorText : `error: virsh event ended (${sig ?? `exit ${code}`})\n`;
      // virsh ends an event loop quietly when the daemon goes away ("events received: N"): a lost host
      const kind = errorText.trim() ? classifyVirshError(stderr) : 'UNREACHABLE';
      end = { reason: 'lost', error: new AdapterError(kind, redact(`${what}: ${virshErrorText(stderr)}`, secrets), operation) };
    }
    if (!readySettled) {
      readySettled = true;
      rejectReady(end.reason === 'lost' ? end.error : new AdapterError('FAILED', `${what}: stopped before it was ready`, operation));
    }
    resolveEnded(end);
  });
  const stop = (): Promise<WatchEnd> => {
    if (!stopping) {
      stopping = true;
      killGroup(child);
    }
    return ended;
  };
  if (o.signal?.aborted) void stop();
  return { ready, ended, stop };
}
