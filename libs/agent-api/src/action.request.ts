import type { FieldProblem } from '@haaas/domain';
import type { NodeActionOutcome, NodeActionResult } from '@haaas/node-actions';

/** Largest body of the action endpoints (bytes): a result with a full stderr is about 3 KiB. */
export const MAX_ACTION_BODY_BYTES = 16 * 1024;
export const MAX_RESULT_DETAIL_LENGTH = 1024;
export const MAX_RESULT_STDERR_LENGTH = 4096;
/** Longest long poll: below the usual 30-60 s idle timeouts of proxies and load balancers. */
export const MAX_WAIT_SECONDS = 30;
export const DEFAULT_WAIT_SECONDS = 25;

const OUTCOMES: ReadonlySet<string> = new Set<NodeActionOutcome>(['DONE', 'ALREADY', 'FAILED', 'TIMED_OUT', 'DISABLED']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// one line: these go into the cluster log and its messages
const PRINTABLE_LINE = /^[^\p{Cc}]*$/u;
// stderr keeps its line breaks and tabs, nothing else of the control characters
const PRINTABLE_TEXT = /^(?:[^\p{Cc}]|[\n\t])*$/u;

type Add = (field: string, message: string) => void;

/** Action ids are the UUIDs the engine made: anything else names no action. */
export function validActionId(id: string): boolean {
  return UUID.test(id);
}

/** The body of `POST /v1/agent/actions/next`: `{ waitSeconds?, agentVersion? }` (unknown fields ignored). */
export function parseNextRequest(body: unknown): { readonly waitSeconds: number; readonly problems?: undefined } | { readonly waitSeconds?: undefined; readonly problems: readonly FieldProblem[] } {
  if (body === undefined || body === null) return { waitSeconds: DEFAULT_WAIT_SECONDS };
  if (!isObject(body)) return { problems: [{ field: '(body)', message: 'must be a JSON object' }] };
  const problems: FieldProblem[] = [];
  const wait = body['waitSeconds'];
  if (wait !== undefined && (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS)) {
    problems.push({ field: 'waitSeconds', message: `must be an integer from 0 to ${MAX_WAIT_SECONDS}` });
  }
  const version = body['agentVersion'];
  if (version !== undefined && (typeof version !== 'string' || version.length > 64 || !PRINTABLE_LINE.test(version))) {
    problems.push({ field: 'agentVersion', message: 'must be a string of at most 64 printable characters' });
  }
  if (problems.length > 0) return { problems };
  return { waitSeconds: typeof wait === 'number' ? wait : DEFAULT_WAIT_SECONDS };
}

export type ParsedActionResult = { readonly result: NodeActionResult; readonly problems?: undefined } | { readonly result?: undefined; readonly problems: readonly FieldProblem[] };

/**
 * The body of `POST /v1/agent/actions/:id/result`, every bad field reported at once:
 * `{ ok, outcome, exitCode, detail, stderr?, latencyMs }`. Unknown fields are ignored, so a newer
 * agent can talk to an older API.
 */
export function parseActionResult(body: unknown): ParsedActionResult {
  if (!isObject(body)) return { problems: [{ field: '(body)', message: 'must be a JSON object' }] };
  const problems: FieldProblem[] = [];
  const add: Add = (field, message) => problems.push({ field, message });
  const ok = body['ok'];
  if (typeof ok !== 'boolean') add('ok', 'must be true or false');
  const outcome = body['outcome'];
  if (typeof outcome !== 'string' || !OUTCOMES.has(outcome)) add('outcome', `must be one of ${[...OUTCOMES].join(', ')}`);
  const exitCode = body['exitCode'];
  if (exitCode !== null && (typeof exitCode !== 'number' || !Number.isInteger(exitCode) || exitCode < -1 || exitCode > 255)) add('exitCode', 'must be null or an integer from -1 to 255');
  const detail = body['detail'];
  if (typeof detail !== 'string' || detail.length === 0 || detail.length > MAX_RESULT_DETAIL_LENGTH || !PRINTABLE_LINE.test(detail)) {
    add('detail', `must be a non-empty line of at most ${MAX_RESULT_DETAIL_LENGTH} printable characters`);
  }
  const stderr = body['stderr'];
  if (stderr !== undefined && stderr !== null && (typeof stderr !== 'string' || stderr.length > MAX_RESULT_STDERR_LENGTH || !PRINTABLE_TEXT.test(stderr))) {
    add('stderr', `must be text of at most ${MAX_RESULT_STDERR_LENGTH} characters (line breaks and tabs allowed, no other control characters)`);
  }
  const latencyMs = body['latencyMs'];
  if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > 24 * 3600 * 1000) add('latencyMs', 'must be an integer number of milliseconds (0 to 1 day)');
  // a monitor answers ok: false with DONE (it ran; the resource is down), so only this way round contradicts
  if (ok === true && (outcome === 'FAILED' || outcome === 'TIMED_OUT' || outcome === 'DISABLED')) add('outcome', `${outcome} contradicts ok: true`);
  if (problems.length > 0) return { problems };
  return {
    result: {
      ok: ok as boolean,
      outcome: outcome as NodeActionOutcome,
      exitCode: exitCode as number | null,
      detail: detail as string,
      ...(typeof stderr === 'string' && stderr.length > 0 ? { stderr } : {}),
      latencyMs: latencyMs as number,
    },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
