import type Redis from 'ioredis';
import type { NodeStatus } from '@haaas/domain';
import type { HypervisorAdapters, NodeService } from '@haaas/management';
import type { Store } from '@haaas/persistence';
import type { JobProducer } from '@haaas/queue';
import type { HeartbeatStore } from '@haaas/heartbeats';
import type { ManagerFeedOptions } from './manager-heartbeat.feed';
import type { AddressRecord, ProbeRecord } from './node-record.codec';

export interface DetectorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What is about to be written for a cluster: handed to the `beforeWrite` hook. */
export interface PendingWrite {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly token: number;
  /** Nodes whose failure this write declares. */
  readonly declares: readonly string[];
  readonly statusChanges: readonly { readonly nodeId: string; readonly status: NodeStatus; readonly suspect: boolean }[];
}

export interface DetectorHooks {
  /**
   * Awaited after the detector decided to write and checked that it still holds the lease, just
   * before the fenced transaction: the window a paused process would sleep in. Tests hold it here.
   */
  readonly beforeWrite?: (write: PendingWrite) => Promise<void>;
}

export interface DetectorDeps {
  readonly store: Store;
  readonly heartbeats: HeartbeatStore;
  readonly nodes: NodeService;
  readonly adapters: HypervisorAdapters;
  /** For the lease, the detector's state and the failure reports. */
  readonly redis: Redis;
  readonly producer: JobProducer;
  readonly logger?: DetectorLogger;
  readonly hooks?: DetectorHooks;
  /** The manager heartbeat channel for clusters with heartbeat source MANAGER or BOTH (default on). */
  readonly managerHeartbeats?: ManagerFeedOptions;
}

export interface DetectorStats {
  readonly leading: boolean;
  readonly token: number | null;
  /** Ticks run as leader. */
  readonly ticks: number;
  /** Cluster evaluations run (as leader). */
  readonly evaluations: number;
  /** Fenced writes refused because another detector holds a higher token. */
  readonly writesRefused: number;
  readonly statusChanges: number;
  readonly incidentsOpened: number;
  readonly probes: number;
  /** Recovery jobs re-created by reconciliation. */
  readonly requeued: number;
  readonly terms: number;
}

/** A leadership term: its fencing token. */
export interface Term {
  readonly token: number;
  /** Clusters whose detector_token this term has raised already. */
  readonly claimed: Set<string>;
}

/** A probe answer that arrived between two evaluations. */
export interface FreshAnswer {
  readonly probe: ProbeRecord;
  readonly address: AddressRecord | null;
}
