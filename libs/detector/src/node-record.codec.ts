import { NodeHealthState, NodeStatus, ProbeResult } from '@haaas/domain';

/** The latest answer of the hypervisor manager about a node (the second channel). */
export interface ProbeRecord {
  /** When the probe started (control-plane clock, ms): an answer counts only if asked after the node went suspect. */
  readonly atMs: number;
  readonly result: ProbeResult;
  /** Why, for the status reason (adapter error kind and message, or the connection state). */
  readonly detail: string;
}

/** The latest check of a node's check address. */
export interface AddressRecord {
  readonly atMs: number;
  readonly answers: boolean;
  readonly detail: string;
}

/**
 * What the detector keeps per node between ticks, in Redis (plain data, so any detector that takes
 * the lease over continues where the last one stopped): the domain's health state, the last
 * second-channel answers, and when the current trouble episode began.
 */
export interface NodeRecord {
  readonly health: NodeHealthState;
  readonly probe: ProbeRecord | null;
  readonly address: AddressRecord | null;
  /** The node first went suspect or isolated in this episode (the incident's detection time); null when healthy. */
  readonly episodeSinceMs: number | null;
  /** The last external failure report the detector read for the node (the incident's source is NOTIFICATION when it came after the last heartbeat). */
  readonly reportedAtMs: number | null;
}

/** A pending external failure report (reportNodeFailure), as the API stores it for the detector. */
export interface FailureReport {
  readonly firstAtMs: number;
  readonly lastAtMs: number;
  readonly count: number;
  readonly sources: readonly string[];
  readonly reason: string | null;
}

export function encodeNodeRecord(record: NodeRecord): string {
  return JSON.stringify(record);
}

const STATUSES = new Set<string>(Object.values(NodeStatus));
const PROBE_RESULTS = new Set<string>(Object.values(ProbeResult));

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a record back; anything malformed (another version, a hand edit) reads as absent, and the
 * node starts again from its database status rather than from garbage.
 */
export function decodeNodeRecord(raw: string | undefined | null): NodeRecord | null {
  if (!raw) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObj(v)) return null;
  const health = decodeHealth(v['health']);
  if (!health) return null;
  const probe = v['probe'] === null || v['probe'] === undefined ? null : decodeProbe(v['probe']);
  const address = v['address'] === null || v['address'] === undefined ? null : decodeAddress(v['address']);
  if (probe === undefined || address === undefined) return null;
  const episode = v['episodeSinceMs'] ?? null;
  const reported = v['reportedAtMs'] ?? null;
  if (!isNumOrNull(episode) || !isNumOrNull(reported)) return null;
  return { health, probe, address, episodeSinceMs: episode, reportedAtMs: reported };
}

function decodeHealth(v: unknown): NodeHealthState | null {
  if (!isObj(v)) return null;
  const { status, suspect, statusSinceMs, declared, lastHeartbeatAtMs, bootTimeMs, graceUntilMs, flapsAtMs } = v;
  if (typeof status !== 'string' || !STATUSES.has(status)) return null;
  if (typeof suspect !== 'boolean' || typeof declared !== 'boolean' || !isNum(statusSinceMs)) return null;
  if (!isNumOrNull(lastHeartbeatAtMs) || !isNumOrNull(bootTimeMs) || !isNumOrNull(graceUntilMs)) return null;
  if (!Array.isArray(flapsAtMs) || !flapsAtMs.every(isNum)) return null;
  return { status: status as NodeStatus, suspect, statusSinceMs, declared, lastHeartbeatAtMs, bootTimeMs, graceUntilMs, flapsAtMs };
}

function decodeProbe(v: unknown): ProbeRecord | undefined {
  if (!isObj(v) || !isNum(v['atMs']) || typeof v['result'] !== 'string' || !PROBE_RESULTS.has(v['result'])) return undefined;
  return { atMs: v['atMs'], result: v['result'] as ProbeResult, detail: typeof v['detail'] === 'string' ? v['detail'] : '' };
}

function decodeAddress(v: unknown): AddressRecord | undefined {
  if (!isObj(v) || !isNum(v['atMs']) || typeof v['answers'] !== 'boolean') return undefined;
  return { atMs: v['atMs'], answers: v['answers'], detail: typeof v['detail'] === 'string' ? v['detail'] : '' };
}

export function encodeFailureReport(report: FailureReport): string {
  return JSON.stringify(report);
}

export function decodeFailureReport(raw: string | undefined | null): FailureReport | null {
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (!isObj(v) || !isNum(v['firstAtMs']) || !isNum(v['lastAtMs']) || !isNum(v['count'])) return null;
    const sources = Array.isArray(v['sources']) ? v['sources'].filter((s): s is string => typeof s === 'string') : [];
    return { firstAtMs: v['firstAtMs'], lastAtMs: v['lastAtMs'], count: v['count'], sources, reason: typeof v['reason'] === 'string' ? v['reason'] : null };
  } catch {
    return null;
  }
}

/** The newer of two answers (by the time they were asked). */
export function newer<T extends { readonly atMs: number }>(a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.atMs >= a.atMs ? b : a;
}
