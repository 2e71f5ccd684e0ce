/**
 * Tuning of the failover engine that is not (yet) part of a cluster's or a service's stored
 * policy. Each function takes the slice it needs, with these defaults, so the workers, the dry run
 * and the benchmarks agree unless a caller says otherwise. Times in seconds or milliseconds, as
 * the field name says.
 */

/** Where reserved (spare, "failover") hosts come in the candidate order. */
export enum ReservedHostsMode {
  /** After every other candidate, members and non-members alike (vSphere HA's failover hosts as a last resort). */
  LAST_RESORT = 'LAST_RESORT',
  /** Before the other candidates of the same membership class: spares take the load first. */
  PREFER = 'PREFER',
}

export interface PlacementSettings {
  readonly reservedHosts: ReservedHostsMode;
}

export const DEFAULT_PLACEMENT_SETTINGS: PlacementSettings = {
  reservedHosts: ReservedHostsMode.LAST_RESORT,
};

/** Bounded retries of one start step on one target, with exponential backoff. */
export interface RetryPolicy {
  /** Start attempts on one target before moving to the next candidate (1 = no retry). */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  /**
   * Spread of the delay, 0..1, derived from a key (e.g. the service id) rather than a random
   * number: retries of many services do not stampede, and a replay computes the same delays.
   */
  readonly jitterRatio: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 2_000,
  multiplier: 2,
  maxDelayMs: 30_000,
  jitterRatio: 0,
};

export interface RecoverySettings extends PlacementSettings {
  /** Services started at once within one priority level (a wave holds at most this many). */
  readonly parallelism: number;
}

export const DEFAULT_RECOVERY_SETTINGS: RecoverySettings = {
  ...DEFAULT_PLACEMENT_SETTINGS,
  parallelism: 8,
};

export interface DetectionSettings {
  /** After a reboot (a newer boot time) or the end of maintenance, no failure is declared for this long. */
  readonly bootGraceSeconds: number;
  /** Short outages within the window that make a node UNSTABLE (seed 001: "regularly"). */
  readonly flapThreshold: number;
  /** The flap window, in deadtimes of the cluster. */
  readonly flapWindowDeadtimes: number;
  /** An outage counts as a flap only when shorter than this (seed 001: 15 s). */
  readonly flapMaxOutageSeconds: number;
  /** A silence longer than this many heartbeat intervals is an outage ("transition to unreachable"). */
  readonly outageAfterMissedHeartbeats: number;
  /** How often the second channel is asked again while a node stays suspect or EXCLUDED. */
  readonly reprobeSeconds: number;
}

export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  bootGraceSeconds: 60,
  flapThreshold: 3,
  flapWindowDeadtimes: 6,
  flapMaxOutageSeconds: 15,
  outageAfterMissedHeartbeats: 2,
  reprobeSeconds: 5,
};

export interface FailbackSettings {
  /** A returning preferred node must stay ONLINE this long before services move back to it. */
  readonly stabilisationSeconds: number;
}

export const DEFAULT_FAILBACK_SETTINGS: FailbackSettings = {
  stabilisationSeconds: 300,
};
