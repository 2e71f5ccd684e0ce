/** Who sent a heartbeat, as its verified token says: what the store keys it by. */
export interface NodeAgentIdentity {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly nodeId: string;
}

/** A check the agent ran on its host; `detail` says why it failed (or what it saw). */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}

/** Reachability of the isolation (check) address from the node. */
export interface IsolationCheckResult extends CheckResult {
  /** The address the agent checked, as configured on the host. */
  readonly address?: string;
}

/**
 * What the agent reports in a heartbeat. A check is absent when the host does not configure it
 * (no shared storage path, no isolation address): absent means "not checked", not "failed".
 */
export interface HeartbeatReport {
  /** The agent's clock when it sent the heartbeat (ms since the epoch). */
  readonly sentAt: number;
  /** When the host booted (ms since the epoch): a change means it rebooted. */
  readonly bootTime: number;
  readonly checks: {
    readonly storage?: CheckResult;
    readonly isolationAddress?: IsolationCheckResult;
  };
  readonly agentVersion: string;
}

/** The last heartbeat of a node as stored, with the time the server received it. */
export interface HeartbeatRecord extends HeartbeatReport {
  readonly nodeId: string;
  /** Redis's clock when the heartbeat was recorded (ms since the epoch): one clock for every API replica. */
  readonly seenAt: number;
  /** When the hypervisor manager last vouched for the node (manager heartbeat source), if ever. */
  readonly managerSeenAt?: number;
  /** What the manager said then (e.g. `CONNECTED poweredOn`). */
  readonly managerState?: string;
}
