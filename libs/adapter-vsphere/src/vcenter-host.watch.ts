/**
 * vCenter's push of host state: one PropertyCollector filter on every HostSystem (through a
 * container view) and a WaitForUpdatesEx long-poll, in a session of its own, shared by every node
 * of that vCenter. Nothing is asked per host: vCenter answers when a host's runtime changes, or
 * with an empty update after `maxWaitSeconds`, which is itself the proof that vCenter is there.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Element } from '@xmldom/xmldom';
import type { HostWatch, ManagedHostState } from '@haaas/hypervisor';
import { containerView, type ObjectContent, retrieveAll, str } from './property.collector';
import { type SoapClient } from './soap.client';
import { child, children, group, type MoRef, param, readMoRef, refParam, text } from './soap.xml';
import { VimFault } from './vim.fault';
import { connectionState } from './vsphere.host';

/** The HostSystem properties the watch asks vCenter to push. */
export const WATCHED_HOST_PATHS = ['name', 'runtime.connectionState', 'runtime.powerState', 'runtime.inMaintenanceMode', 'runtime.bootTime'] as const;

export interface VcenterHostWatchOptions {
  /** How long one WaitForUpdatesEx may wait for a change (default 5 s): bounds how late a silent vCenter is noticed. */
  readonly maxWaitSeconds?: number;
  /** Pause before retrying after a failure (default 1 s, doubling up to 10 s). */
  readonly retryMs?: number;
  /**
   * A full read of the same properties (one RetrievePropertiesEx for all hosts) at most this often
   * (default 60 s), between long-polls: it corrects anything a push missed. vcsim needs it short:
   * its DisconnectHost_Task/ReconnectHost_Task change runtime.connectionState without telling its
   * PropertyCollector, so WaitForUpdatesEx never pushes a HostSystem change there (govmomi 0.46 to 0.52).
   */
  readonly resyncSeconds?: number;
  readonly secrets?: readonly string[];
}

interface RawHost {
  name?: string;
  connectionState?: string;
  powerState?: string;
  maintenance?: boolean;
  bootTimeMs?: number | null;
}

export class VcenterHostWatch implements HostWatch {
  private readonly hosts = new Map<string, RawHost>();
  private readonly closing = new AbortController();
  private readonly maxWaitSeconds: number;
  private readonly retryMs: number;
  private version = '';
  private filterGeneration = -1;
  private lastAnswerPerf: number | null = null;
  private lastResyncPerf = -Infinity;
  private complete = false;
  private loop: Promise<void>;
  private readyWaiters: (() => void)[] = [];
  problem: string | null = 'not connected yet';

  constructor(
    private readonly client: SoapClient,
    private readonly options: VcenterHostWatchOptions = {},
  ) {
    // the resync runs between long-polls: a wait longer than it would delay it
    this.maxWaitSeconds = Math.max(1, Math.floor(Math.min(options.maxWaitSeconds ?? 5, options.resyncSeconds ?? 60)));
    this.retryMs = options.retryMs ?? 1_000;
    this.loop = this.run();
  }

  current(): ReadonlyMap<string, ManagedHostState> | null {
    // an answer is due every maxWaitSeconds at the latest; a vCenter late beyond that is not answering
    if (!this.complete || this.lastAnswerPerf === null || performance.now() - this.lastAnswerPerf > (this.maxWaitSeconds + 2) * 1000) return null;
    const out = new Map<string, ManagedHostState>();
    for (const h of this.hosts.values()) {
      if (!h.name) continue;
      const state = connectionState(h.connectionState);
      out.set(h.name.toLowerCase(), {
        host: h.name,
        connectionState: state === 'CONNECTED' && h.maintenance ? 'MAINTENANCE' : state,
        poweredOn: h.powerState === undefined ? null : h.powerState === 'poweredOn',
        maintenance: h.maintenance ?? false,
        bootTimeMs: h.bootTimeMs ?? null,
      });
    }
    return out;
  }

  ready(timeoutMs: number): Promise<boolean> {
    if (this.complete) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.loop;
    await this.client.close();
  }

  private async run(): Promise<void> {
    let pause = this.retryMs;
    while (!this.closing.signal.aborted) {
      try {
        await this.waitOnce();
        pause = this.retryMs;
      } catch (error) {
        if (this.closing.signal.aborted) return;
        this.problem = describe(error, this.options.secrets ?? []);
        this.lastAnswerPerf = null;
        // a fault from the collector (an expired session, an unknown version) starts over with a new filter
        if (error instanceof VimFault) this.filterGeneration = -1;
        await sleep(pause, this.closing.signal);
        pause = Math.min(pause * 2, 10_000);
      }
    }
  }

  private async waitOnce(): Promise<void> {
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout((this.maxWaitSeconds + 10) * 1000)]);
    if (this.filterGeneration !== this.client.sessionGeneration || this.filterGeneration < 0) await this.createFilter(signal);
    const pc = (await this.client.serviceContent(signal)).propertyCollector;
    const reply = await this.client.invoke(
      'WaitForUpdatesEx',
      pc,
      [param('version', this.version), group('options', [param('maxWaitSeconds', this.maxWaitSeconds)])],
      signal,
    );
    // a login behind our back (the session expired and invoke logged in again) has no filter: start over
    if (this.filterGeneration !== this.client.sessionGeneration) return;
    const set = child(reply, 'returnval');
    if (set) this.apply(set);
    if (performance.now() - this.lastResyncPerf >= (this.options.resyncSeconds ?? 60) * 1000) await this.resync(signal);
    this.lastAnswerPerf = performance.now();
    this.problem = null;
    if (!this.complete && this.version !== '') {
      this.complete = true;
      for (const w of this.readyWaiters.splice(0)) w();
    }
  }

  private async createFilter(signal: AbortSignal): Promise<void> {
    const content = await this.client.serviceContent(signal);
    const view = await containerView(this.client, 'HostSystem', signal);
    const spec = group('spec', [
      group('propSet', [param('type', 'HostSystem'), param('all', false), ...WATCHED_HOST_PATHS.map((p) => param('pathSet', p))]),
      group('objectSet', [
        refParam('obj', view),
        param('skip', true),
        group('selectSet', [param('name', 'view'), param('type', 'ContainerView'), param('path', 'view'), param('skip', false)], 'TraversalSpec'),
      ]),
    ]);
    const generation = this.client.sessionGeneration;
    await this.client.invoke('CreateFilter', content.propertyCollector, [spec, param('partialUpdates', false)], signal);
    this.filterGeneration = generation;
    this.version = '';
    this.hosts.clear();
    this.complete = false;
  }

  private async resync(signal: AbortSignal): Promise<void> {
    const all = await retrieveAll(this.client, 'HostSystem', WATCHED_HOST_PATHS, signal);
    this.lastResyncPerf = performance.now();
    this.hosts.clear();
    for (const o of all) this.hosts.set(o.obj.value, fromContent(o));
  }

  private apply(set: Element): void {
    this.version = text(child(set, 'version'))?.trim() ?? this.version;
    for (const filter of children(set, 'filterSet')) {
      for (const update of children(filter, 'objectSet')) {
        const obj: MoRef | undefined = readMoRef(child(update, 'obj'));
        if (!obj) continue;
        const kind = text(child(update, 'kind'))?.trim();
        if (kind === 'leave') {
          this.hosts.delete(obj.value);
          continue;
        }
        const host = this.hosts.get(obj.value) ?? {};
        for (const change of children(update, 'changeSet')) applyChange(host, change);
        this.hosts.set(obj.value, host);
      }
    }
  }
}

function fromContent(o: ObjectContent): RawHost {
  const boot = str(o, 'runtime.bootTime');
  const ms = boot ? Date.parse(boot) : NaN;
  const maintenance = str(o, 'runtime.inMaintenanceMode');
  return {
    name: str(o, 'name'),
    connectionState: str(o, 'runtime.connectionState'),
    powerState: str(o, 'runtime.powerState'),
    maintenance: maintenance === 'true' || maintenance === '1',
    bootTimeMs: Number.isFinite(ms) ? ms : null,
  };
}

function applyChange(host: RawHost, change: Element): void {
  const name = text(child(change, 'name'))?.trim();
  const removed = text(child(change, 'op'))?.trim() === 'remove';
  const value = removed ? undefined : text(child(change, 'val'))?.trim();
  switch (name) {
    case 'name':
      host.name = value;
      break;
    case 'runtime.connectionState':
      host.connectionState = value;
      break;
    case 'runtime.powerState':
      host.powerState = value;
      break;
    case 'runtime.inMaintenanceMode':
      host.maintenance = value === 'true' || value === '1';
      break;
    case 'runtime.bootTime': {
      const ms = value ? Date.parse(value) : NaN;
      host.bootTimeMs = Number.isFinite(ms) ? ms : null;
      break;
    }
    default:
      break;
  }
}

function describe(error: unknown, secrets: readonly string[]): string {
  let m = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  for (const s of secrets) if (s) m = m.split(s).join('***');
  return m.slice(0, 300);
}

/** Node's abortable timer: resolves after `ms` or as soon as the watch is stopped. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
