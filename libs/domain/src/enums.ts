/** Value sets shared by every layer. String enums so the database and the API store the same words. */
export enum Hypervisor {
  VSPHERE = 'VSPHERE',
  KVM = 'KVM',
  HYPERV = 'HYPERV',
}

/**
 * Where a node's liveness comes from (docs/detector.md, "Heartbeat sources"): its node agent, its
 * hypervisor manager (vCenter's push of host state; the Hyper-V host's WinRM endpoint), or both
 * (alive while either says so; the agent adds its isolation checks).
 */
export enum HeartbeatSource {
  AGENT = 'AGENT',
  MANAGER = 'MANAGER',
  BOTH = 'BOTH',
}

export enum NodeKind {
  PHYSICAL = 'PHYSICAL',
  VIRTUAL = 'VIRTUAL',
}

/** Node statuses of seed 001 and the design brief. */
export enum NodeStatus {
  ONLINE = 'ONLINE',
  OFFLINE = 'OFFLINE',
  FAILED = 'FAILED',
  NETWORK_ISOLATED = 'NETWORK_ISOLATED',
  STORAGE_ISOLATED = 'STORAGE_ISOLATED',
  EXCLUDED = 'EXCLUDED',
  UNSTABLE = 'UNSTABLE',
  MAINTENANCE = 'MAINTENANCE',
  FENCED = 'FENCED',
}

/** HA state of a cluster: STOPPED until started (HA inactive), SUSPENDED while monitoring pauses. */
export enum ClusterState {
  STOPPED = 'STOPPED',
  STARTED = 'STARTED',
  SUSPENDED = 'SUSPENDED',
}

export enum ResourceType {
  VM = 'VM',
  IP = 'IP',
  APPLICATION = 'APPLICATION',
  VOLUME = 'VOLUME',
}

export enum RecoveryAction {
  RESTART = 'RESTART',
  RELOCATE = 'RELOCATE',
  DISABLE = 'DISABLE',
}

export enum ServiceState {
  STOPPED = 'STOPPED',
  STARTING = 'STARTING',
  STARTED = 'STARTED',
  STOPPING = 'STOPPING',
  RECOVERING = 'RECOVERING',
  FAILED = 'FAILED',
  DISABLED = 'DISABLED',
}
