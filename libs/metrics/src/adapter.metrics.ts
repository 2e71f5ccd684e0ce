import type { HypervisorAdapter, HypervisorHost } from '@haaas/hypervisor';
import type { HaaasMetrics } from './haaas.metrics';

/** The calls of a HypervisorHost that are timed: the interface's methods, a bounded label set. */
const TIMED: ReadonlySet<string> = new Set(['probe', 'listVms', 'getVm', 'startVm', 'stopVm', 'rebootVm', 'exportVm', 'registerVm', 'migrateVm', 'hostPower']);

/**
 * The same adapters, each host they connect timing its calls (haaas_hypervisor_call_duration_seconds
 * by adapter and call). A Proxy rather than a subclass: whatever else an adapter offers (the pool's
 * stats and close, a host watch) passes through untouched.
 */
export function instrumentAdapters<K>(adapters: ReadonlyMap<K, HypervisorAdapter>, metrics: HaaasMetrics): ReadonlyMap<K, HypervisorAdapter> {
  return new Map([...adapters].map(([k, a]) => [k, instrumentAdapter(a, metrics)]));
}

function instrumentAdapter(adapter: HypervisorAdapter, metrics: HaaasMetrics): HypervisorAdapter {
  const name = String(adapter.hypervisor).toLowerCase();
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === 'connect') return (endpoint: Parameters<HypervisorAdapter['connect']>[0]) => timedHost(target.connect(endpoint), name, metrics);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function timedHost(host: HypervisorHost, adapter: string, metrics: HaaasMetrics): HypervisorHost {
  return new Proxy(host, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...a: unknown[]) => unknown;
      if (typeof prop !== 'string' || !TIMED.has(prop)) return fn.bind(target);
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          const out = await fn.apply(target, args);
          metrics.hypervisorCall(adapter, prop, 'ok', (performance.now() - t0) / 1000);
          return out;
        } catch (err) {
          metrics.hypervisorCall(adapter, prop, 'error', (performance.now() - t0) / 1000);
          throw err;
        }
      };
    },
  });
}
