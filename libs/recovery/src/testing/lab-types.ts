import type { INestApplicationContext } from '@nestjs/common';
import type { LibvirtHosts } from '@haaas/adapter-kvm/testing';
import type { IncidentState, RecoveryAction, TenantScope } from '@haaas/domain';
import type { SimulatedHost } from '@haaas/fencing/testing';
import type { EventEntity, Store } from '@haaas/persistence';
import type { RecoveryModuleOptions, ServiceRunner } from '@haaas/engine-runtime';
import type { IncidentCommands } from '../incident.commands';
import type { RecoveryQueue } from '../recovery.queue';

// The recovery lab's public shapes (re-exported by recovery-lab.ts, where its users import them).

export const LAB_TENANT = 'lab';

/** A throwaway database (the test's `createTestDatabase()`): empty, migrated here. */
export interface LabDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A Redis server the lab can stop and start again on the same port (the test's devstack `startRedis`). */
export interface LabRedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export type StartRedis = (options: { dataDir: string; port?: number }) => Promise<LabRedisServer>;

export interface LabOptions {
  /** Test helpers are passed in: the engine library may not depend on them outside tests. */
  readonly database: () => Promise<LabDatabase>;
  readonly startRedis: StartRedis;
  readonly survivors?: readonly string[];
  /** Run the recovery workers in this process (default false: child workers, or none). */
  readonly workers?: boolean;
  readonly recovery?: RecoveryModuleOptions;
  readonly log?: (line: string) => void;
}

export interface SeedOptions {
  readonly fencingRequired?: boolean;
  /** How node `a` is fenced: its BMC at level 1; a wrong BMC password at level 1 then the right one at 2; only wrong; none. */
  readonly fence?: 'ipmi' | 'wrong-then-ipmi' | 'wrong' | 'none';
  readonly capacity?: { readonly cpus: number; readonly memoryMb: number };
  /** The cluster's deadtime (default 10 s; heartbeats every second). */
  readonly deadtimeSeconds?: number;
}

export interface Seeded {
  readonly clusterId: string;
  /** Node ids by host name (`a`, `b`, ...). */
  readonly nodes: Readonly<Record<string, string>>;
}

export interface LabServiceOptions {
  readonly priority?: number;
  /** VM names (test-driver domains of 1 vCPU, 512 MiB unless memoryMb says otherwise). */
  readonly vms: readonly string[];
  readonly memoryMb?: number;
  /** Where it starts running (default `a`). */
  readonly on?: string;
  readonly failoverDomainId?: string | null;
  readonly maxRelocations?: number;
  readonly rtoSeconds?: number | null;
  readonly antiAffinityGroup?: string | null;
  readonly recoveryAction?: RecoveryAction;
  /** Also define (not start) the VMs on these hosts: they have the disks too. */
  readonly alsoDefinedOn?: readonly string[];
  /** Forget the kept definitions after the first start (the VMs can then only start where they are defined). */
  readonly forgetDefinitions?: boolean;
}

export interface WorkerProcess {
  readonly tag: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  kill(signal: NodeJS.Signals): void;
  log(): string;
}

export interface Lab {
  readonly app: INestApplicationContext;
  readonly store: Store;
  readonly scope: TenantScope;
  readonly db: LabDatabase;
  readonly redisUrl: string;
  readonly hosts: LibvirtHosts;
  readonly failed: SimulatedHost;
  readonly runner: ServiceRunner;
  readonly queue: RecoveryQueue;
  readonly commands: IncidentCommands;
  seed(options?: SeedOptions): Promise<Seeded>;
  addService(seeded: Seeded, name: string, options: LabServiceOptions): Promise<string>;
  /** What the detector does on a confirmed failure: node FAILED, incident row in DETECTED, `incident.recover` queued. */
  declareFailure(seeded: Seeded, host?: string, enqueue?: boolean): Promise<string>;
  /**
   * Heartbeats: every node of a seeded cluster beats once a second into the heartbeat store (as its
   * agent would) until `declareFailure` or `silence` stops it; `resume` starts it again.
   */
  silence(seeded: Seeded, host: string): void;
  resume(seeded: Seeded, host: string): void;
  /** Waits until the incident is in one of `states`; fails with the cluster log's tail otherwise. */
  waitForIncident(incidentId: string, states: readonly IncidentState[], timeoutMs: number): Promise<void>;
  events(clusterId: string, types?: readonly string[]): Promise<EventEntity[]>;
  /** `Started` lifecycle events of a domain in the surviving hosts' libvirt event logs. */
  startsOf(vm: string): number;
  /** `Started` lifecycle events of a domain in one surviving host's libvirt event log. */
  startsOn(vm: string, host: string): number;
  /** When the surviving hosts' libvirt logged `Started` for a domain (ms, from `virsh event --timestamp`), earliest first. */
  startTimes(vm: string): number[];
  /** Surviving hosts where the domain is running now (virsh domstate). */
  runningOn(vm: string): Promise<string[]>;
  /** Brings host `a` back: through its BMC (fence_ipmilan `on`) after a fence, else by starting its libvirtd; a fresh test driver either way. */
  powerOnFailedHost(): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** A recovery worker in a child process (`node tools/run.js …/recovery-worker.entry.ts`). */
  spawnWorker(tag: string, env?: Readonly<Record<string, string>>): Promise<WorkerProcess>;
  close(): Promise<void>;
}
