import type { FieldProblem } from '@haaas/domain';
import type { CheckResult, HeartbeatReport, IsolationCheckResult } from '@haaas/heartbeats';

/** Largest heartbeat body accepted (bytes): a real one is about 300. */
export const MAX_HEARTBEAT_BYTES = 8 * 1024;
export const MAX_DETAIL_LENGTH = 512;
export const MAX_ADDRESS_LENGTH = 255;
export const MAX_AGENT_VERSION_LENGTH = 64;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
// printable, no control characters: these end up in the cluster's status and in logs
const PRINTABLE = /^[^\p{Cc}]*$/u;

export type ParsedHeartbeat = { readonly report: HeartbeatReport; readonly problems?: undefined } | { readonly report?: undefined; readonly problems: readonly FieldProblem[] };

/**
 * Reads the JSON body of `POST /v1/agent/heartbeat`, reporting every bad field at once (dotted
 * paths, as the GraphQL API does). Unknown fields are ignored, so a newer agent can talk to an
 * older API. Written by hand rather than with class-validator: the shape is small and fixed, and
 * this runs thousands of times a second.
 */
export function parseHeartbeat(body: unknown): ParsedHeartbeat {
  const problems: FieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (!isObject(body)) return { problems: [{ field: '(body)', message: 'must be a JSON object' }] };

  const sentAt = timestamp(body['sentAt'], 'sentAt', add);
  const bootTime = timestamp(body['bootTime'], 'bootTime', add);
  const agentVersion = body['agentVersion'];
  if (typeof agentVersion !== 'string' || agentVersion.length === 0 || agentVersion.length > MAX_AGENT_VERSION_LENGTH || !PRINTABLE.test(agentVersion)) {
    add('agentVersion', `must be a non-empty string of at most ${MAX_AGENT_VERSION_LENGTH} printable characters`);
  }
  const checks = body['checks'];
  let storage: CheckResult | undefined;
  let isolation: IsolationCheckResult | undefined;
  if (!isObject(checks)) {
    add('checks', 'must be an object with the results of the storage and isolationAddress checks');
  } else {
    storage = check(checks['storage'], 'checks.storage', add, false);
    isolation = check(checks['isolationAddress'], 'checks.isolationAddress', add, true);
  }
  if (problems.length > 0 || sentAt === undefined || bootTime === undefined || typeof agentVersion !== 'string') return { problems };
  const reportChecks: { storage?: CheckResult; isolationAddress?: IsolationCheckResult } = {};
  if (storage) reportChecks.storage = storage;
  if (isolation) reportChecks.isolationAddress = isolation;
  return { report: { sentAt, bootTime, agentVersion, checks: reportChecks } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function timestamp(v: unknown, field: string, add: (field: string, message: string) => void): number | undefined {
  const ms = typeof v === 'string' && v.length <= 40 && RFC3339.test(v) && realDay(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms) || ms <= 0) {
    add(field, 'must be an RFC 3339 date-time such as "2026-01-31T12:00:00.000Z"');
    return undefined;
  }
  return ms;
}

/** Date.parse rolls 2026-02-30 over to March: the day must exist in its month. */
function realDay(v: string): boolean {
  const [y, m, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** A check's result; absent or null means the host does not run that check. */
function check(v: unknown, field: string, add: (field: string, message: string) => void, withAddress: boolean): IsolationCheckResult | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    add(field, 'must be an object { ok, detail? } or null when the check is not configured');
    return undefined;
  }
  const ok = v['ok'];
  if (typeof ok !== 'boolean') add(`${field}.ok`, 'must be true or false');
  const detail = optionalText(v['detail'], `${field}.detail`, MAX_DETAIL_LENGTH, add);
  const address = withAddress ? optionalText(v['address'], `${field}.address`, MAX_ADDRESS_LENGTH, add) : undefined;
  if (typeof ok !== 'boolean') return undefined;
  return { ok, ...(detail !== undefined ? { detail } : {}), ...(address !== undefined ? { address } : {}) };
}

function optionalText(v: unknown, field: string, max: number, add: (field: string, message: string) => void): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max || !PRINTABLE.test(v)) {
    add(field, `must be a string of at most ${max} printable characters`);
    return undefined;
  }
  return v;
}
