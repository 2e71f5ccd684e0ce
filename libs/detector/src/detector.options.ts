import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DetectionSettings } from '@haaas/domain';
import type { HypervisorAdapters } from '@haaas/management';
import { DEFAULT_KEY_PREFIX } from './detector.keys';

export const DETECTOR_OPTIONS = Symbol('DETECTOR_OPTIONS');
export const DETECTOR_REDIS = Symbol('DETECTOR_REDIS');
export const DETECTOR_ADAPTERS = Symbol('DETECTOR_ADAPTERS');

/** Tuning of the failure detector; every field has a default. */
export interface DetectorSettings {
  /** Prefix of every Redis key the detector and the failure reports use (default `haaas`). */
  readonly keyPrefix: string;
  /** Name of this detector in the lease (default `<host>:<pid>:<random>`). */
  readonly holder: string;
  /** One evaluation of every watched cluster per tick (default 1000 ms: faster than any heartbeat interval). */
  readonly tickMs: number;
  /** Lease time to live (default 5000 ms): how long a dead leader blocks a takeover. */
  readonly leaseMs: number;
  /** Renewal (and, for followers, acquisition attempt) period (default a third of the lease). */
  readonly renewEveryMs: number;
  /** How long a cluster's nodes and fences read from MySQL are reused (default 2000 ms). */
  readonly inventoryTtlMs: number;
  /** How long the list of STARTED clusters is reused (default 5000 ms). */
  readonly clusterListTtlMs: number;
  /** Every this many ticks, open incidents get their recovery job back if Redis lost it (default 10). */
  readonly reconcileEveryTicks: number;
  /** Clusters evaluated at once (default 8). */
  readonly clusterConcurrency: number;
  /** Second-channel probes in flight at once (default 16). */
  readonly probeConcurrency: number;
  /** Deadline of one hypervisor probe (default 3000 ms). */
  readonly probeDeadlineMs: number;
  /** Deadline of one check-address ping (default 1000 ms). */
  readonly addressDeadlineMs: number;
  /** The domain's detection tuning (grace, flapping, reprobe period); the domain's defaults otherwise. */
  readonly detection: Partial<DetectionSettings>;
  /** A cluster's detector state expires this long after the last tick that wrote it (default 1 day). */
  readonly stateTtlMs: number;
}

/** Redis (heartbeats, the lease, the queues) is the process's `detector` connection (@haaas/redis). */
export interface DetectorModuleOptions extends Partial<DetectorSettings> {
  /** The hypervisor adapters for probes; default: the HYPERVISOR_ADAPTERS the management module provides, if it exports them. */
  readonly adapters?: HypervisorAdapters;
  /** Start the loop when the application boots (default true). */
  readonly autoStart?: boolean;
}

export function resolveDetectorSettings(o: Partial<DetectorSettings> = {}): DetectorSettings {
  const leaseMs = o.leaseMs ?? 5000;
  const s: DetectorSettings = {
    keyPrefix: o.keyPrefix ?? DEFAULT_KEY_PREFIX,
    holder: o.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    tickMs: o.tickMs ?? 1000,
    leaseMs,
    renewEveryMs: o.renewEveryMs ?? Math.max(50, Math.floor(leaseMs / 3)),
    inventoryTtlMs: o.inventoryTtlMs ?? 2000,
    clusterListTtlMs: o.clusterListTtlMs ?? 5000,
    reconcileEveryTicks: o.reconcileEveryTicks ?? 10,
    clusterConcurrency: o.clusterConcurrency ?? 8,
    probeConcurrency: o.probeConcurrency ?? 16,
    probeDeadlineMs: o.probeDeadlineMs ?? 3000,
    addressDeadlineMs: o.addressDeadlineMs ?? 1000,
    detection: o.detection ?? {},
    stateTtlMs: o.stateTtlMs ?? 24 * 3600 * 1000,
  };
  if (s.renewEveryMs * 2 >= s.leaseMs) throw new Error('detector: renewEveryMs must be under half of leaseMs, or one slow renewal loses the lease');
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'number' && !(Number.isInteger(v) && v > 0)) throw new Error(`detector: ${k} must be a positive integer`);
  }
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(s.keyPrefix)) throw new Error('detector: keyPrefix must be 1-64 letters, digits, "_", ".", ":" or "-"');
  return s;
}
