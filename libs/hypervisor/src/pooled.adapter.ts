import { createHash } from 'node:crypto';
import { AdapterError } from './adapter.errors';
import { canWatchHosts, type HostWatchingAdapter } from './host-watch.port';
import type { CallOptions, HostPowerAction, HypervisorAdapter, HypervisorEndpoint, HypervisorHost, StopOptions, VmDefinition } from './hypervisor.port';

export interface PoolOptions {
  /** An idle connection is closed after this long (default 15 s). */
  readonly idleMs?: number;
  /** Idle connections kept per endpoint (default 8); more are closed when returned. */
  readonly maxIdlePerEndpoint?: number;
}

export interface PoolStats {
  /** Connections the inner adapter opened. */
  readonly opened: number;
  /** Leases served by a connection that was already open. */
  readonly reused: number;
  readonly idle: number;
}

interface Idle {
  readonly host: HypervisorHost;
  readonly since: number;
}

/**
 * Keeps hypervisor connections between the engine's steps. A recovery step asks every node of the
 * cluster where a service's VMs are, then starts them on the target: connecting afresh each time
 * costs a virsh session (a process) per node for KVM, a login for vSphere, for every VM of a failed
 * host. `connect` lends an idle connection to the same endpoint (same URI, user, password, host)
 * or opens one; `close` gives it back. A lease is exclusive, as a fresh connection was, so nothing
 * changes for callers but the cost. A connection whose call failed as UNREACHABLE or TIMEOUT is
 * closed instead of kept (the next lease connects afresh), and idle ones are closed after `idleMs`.
 * Written here rather than with a pool library: the pooled object is the HypervisorHost itself,
 * leased by `connect` and returned by `close`, which a factory/acquire/release library would
 * still need this wrapper for.
 */
export class PooledAdapter implements HypervisorAdapter {
  private readonly idle = new Map<string, Idle[]>();
  private readonly idleMs: number;
  private readonly maxIdle: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private opened = 0;
  private reused = 0;

  /** The inner adapter's host watch, when it has one: a watch is one long-lived session, never pooled. */
  readonly watchHosts?: HostWatchingAdapter['watchHosts'];

  constructor(
    private readonly inner: HypervisorAdapter,
    options: PoolOptions = {},
  ) {
    if (canWatchHosts(inner)) this.watchHosts = (endpoint) => inner.watchHosts(endpoint);
    this.idleMs = options.idleMs ?? 15_000;
    this.maxIdle = options.maxIdlePerEndpoint ?? 8;
  }

  get hypervisor(): HypervisorAdapter['hypervisor'] {
    return this.inner.hypervisor;
  }

  connect(endpoint: HypervisorEndpoint): HypervisorHost {
    const key = endpointKey(endpoint);
    const kept = this.idle.get(key)?.pop();
    let host: HypervisorHost;
    if (kept) {
      host = kept.host;
      this.reused += 1;
    } else {
      host = this.inner.connect(endpoint);
      this.opened += 1;
    }
    const fresh = (): HypervisorHost => {
      this.opened += 1;
      return this.inner.connect(endpoint);
    };
    return new Lease(host, kept !== undefined, fresh, (h, healthy) => this.giveBack(key, h, healthy));
  }

  stats(): PoolStats {
    let idle = 0;
    for (const list of this.idle.values()) idle += list.length;
    return { opened: this.opened, reused: this.reused, idle };
  }

  /** Closes every idle connection; leases still out close theirs when returned. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((i) => i.host.close().catch(() => undefined)));
  }

  private async giveBack(key: string, host: HypervisorHost, healthy: boolean): Promise<void> {
    const list = this.idle.get(key) ?? [];
    if (this.closed || !healthy || list.length >= this.maxIdle) {
      await host.close();
      return;
    }
    list.push({ host, since: Date.now() });
    this.idle.set(key, list);
    this.sweepLater();
  }

  private sweepLater(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), Math.max(250, Math.floor(this.idleMs / 2)));
    // idle connections must not keep a process alive that has nothing else to do
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    const cutoff = Date.now() - this.idleMs;
    const stale: HypervisorHost[] = [];
    for (const [key, list] of this.idle) {
      const keep = list.filter((i) => i.since > cutoff);
      stale.push(...list.filter((i) => i.since <= cutoff).map((i) => i.host));
      if (keep.length > 0) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
    if (this.idle.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await Promise.all(stale.map((h) => h.close().catch(() => undefined)));
  }
}

/** Every adapter of the map behind its own pool (see PooledAdapter). */
export function pooledAdapters<K>(adapters: ReadonlyMap<K, HypervisorAdapter>, options: PoolOptions = {}): Map<K, HypervisorAdapter> {
  return new Map([...adapters].map(([k, a]) => [k, a instanceof PooledAdapter ? a : new PooledAdapter(a, options)]));
}

/** Closes the idle connections of every pooled adapter of the map (at shutdown). */
export async function closeAdapterPools(adapters: ReadonlyMap<unknown, HypervisorAdapter>): Promise<void> {
  await Promise.all([...adapters.values()].map((a) => (a instanceof PooledAdapter ? a.close() : Promise.resolve())));
}

/** The endpoint's identity, hashed so the map never holds a password in clear. */
function endpointKey(e: HypervisorEndpoint): string {
  return createHash('sha256')
    .update(JSON.stringify([e.uri, e.username ?? null, e.password ?? null, e.host ?? null, e.insecureTls ?? false]))
    .digest('base64url');
}

/** A call failing like this says the connection (or the host) is gone: do not lend it again. */
function breaksConnection(err: unknown): boolean {
  return err instanceof AdapterError && (err.kind === 'UNREACHABLE' || err.kind === 'TIMEOUT' || err.kind === 'AUTH_FAILED');
}

/**
 * One lease of a pooled connection: forwards every call; `close` returns the connection. A kept
 * connection may have gone stale while idle (the host's daemon restarted): when its first call
 * fails as if the host were unreachable, the call is made once more on a fresh connection, so a
 * pooled connection never answers differently from a new one.
 */
class Lease implements HypervisorHost {
  private healthy = true;
  private returned = false;
  private tried = false;

  constructor(
    private host: HypervisorHost,
    private reused: boolean,
    private readonly fresh: () => HypervisorHost,
    private readonly release: (host: HypervisorHost, healthy: boolean) => Promise<void>,
  ) {}

  get capabilities(): HypervisorHost['capabilities'] {
    return this.host.capabilities;
  }

  probe(o: CallOptions) {
    return this.call(() => this.host.probe(o));
  }
  listVms(o: CallOptions) {
    return this.call(() => this.host.listVms(o));
  }
  getVm(ref: string, o: CallOptions) {
    return this.call(() => this.host.getVm(ref, o));
  }
  startVm(ref: string, o: CallOptions) {
    return this.call(() => this.host.startVm(ref, o));
  }
  stopVm(ref: string, o: StopOptions) {
    return this.call(() => this.host.stopVm(ref, o));
  }
  rebootVm(ref: string, o: CallOptions) {
    return this.call(() => this.host.rebootVm(ref, o));
  }
  exportVm(ref: string, o: CallOptions) {
    return this.call(() => this.host.exportVm(ref, o));
  }
  registerVm(definition: VmDefinition, o: CallOptions) {
    return this.call(() => this.host.registerVm(definition, o));
  }
  migrateVm(ref: string, targetHost: string, o: CallOptions) {
    return this.call(() => this.host.migrateVm(ref, targetHost, o));
  }
  hostPower(action: HostPowerAction, o: CallOptions) {
    return this.call(() => this.host.hostPower(action, o));
  }

  async close(): Promise<void> {
    if (this.returned) return;
    this.returned = true;
    await this.release(this.host, this.healthy);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.returned) throw new AdapterError('FAILED', 'this connection was closed', 'call');
    const first = !this.tried;
    this.tried = true;
    try {
      return await fn();
    } catch (err) {
      if (!breaksConnection(err)) throw err;
      if (!(first && this.reused)) {
        this.healthy = false;
        throw err;
      }
      // a kept connection failed on its first call: try once on a new one (the caller's deadline still holds)
      const stale = this.host;
      this.host = this.fresh();
      this.reused = false;
      void stale.close().catch(() => undefined);
      try {
        return await fn();
      } catch (again) {
        if (breaksConnection(again)) this.healthy = false;
        throw again;
      }
    }
  }
}
