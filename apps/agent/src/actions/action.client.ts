import { ApiUnavailableError, HeartbeatRefusedError, TokenRefusedError } from '../heartbeat.client';
import { postJson } from '../http.post';
import { AGENT_VERSION } from '../version';
import type { ActionResult, AgentAction } from './action.types';

/** The API did not know the action when its result came (given up, or for another node): nothing to retry. */
export class ActionUnknownError extends Error {
  override name = 'ActionUnknownError';
}

/**
 * The agent's side of `POST /v1/agent/actions/next` (long poll) and `POST /v1/agent/actions/:id/result`.
 * Errors are those of the heartbeat client: 401 TokenRefusedError, network/5xx ApiUnavailableError,
 * other 4xx HeartbeatRefusedError.
 */
export class ActionClient {
  constructor(
    private readonly apiUrl: string,
    private readonly requestTimeoutMs: number,
  ) {}

  /** The next action, or null when none came within `waitSeconds`. */
  async next(token: string, waitSeconds: number, signal: AbortSignal): Promise<AgentAction | null> {
    const body = await this.post(token, '/v1/agent/actions/next', { waitSeconds, agentVersion: AGENT_VERSION }, signal, waitSeconds * 1000 + this.requestTimeoutMs);
    const action = (body as { action?: unknown }).action;
    return isAction(action) ? action : null;
  }

  async report(token: string, actionId: string, result: ActionResult, signal: AbortSignal): Promise<'RECORDED' | 'DUPLICATE'> {
    try {
      const body = await this.post(token, `/v1/agent/actions/${encodeURIComponent(actionId)}/result`, result, signal, this.requestTimeoutMs);
      return (body as { status?: string }).status === 'DUPLICATE' ? 'DUPLICATE' : 'RECORDED';
    } catch (err) {
      if (err instanceof HeartbeatRefusedError && err.status === 404) throw new ActionUnknownError(err.message);
      throw err;
    }
  }

  private async post(token: string, path: string, payload: unknown, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
    const url = `${this.apiUrl}${path}`;
    let res: { readonly status: number; readonly text: string };
    try {
      res = await postJson(url, token, payload, signal, timeoutMs);
    } catch (err) {
      throw new ApiUnavailableError(`${url}: ${(err as Error).message}`);
    }
    const text = res.text;
    const message = serverMessage(text);
    if (res.status === 401) throw new TokenRefusedError(message ?? 'token refused');
    if (res.status >= 500 || res.status === 429 || res.status === 408) throw new ApiUnavailableError(`${url}: HTTP ${res.status} ${message ?? ''}`.trim());
    if (res.status >= 400) throw new HeartbeatRefusedError(res.status, `HTTP ${res.status}: ${message ?? text.slice(0, 300)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return {};
    }
  }
}

function isAction(v: unknown): v is AgentAction {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  const r = a['resource'] as Record<string, unknown> | null | undefined;
  return (
    typeof a['id'] === 'string' &&
    (a['kind'] === 'start' || a['kind'] === 'stop' || a['kind'] === 'monitor') &&
    typeof a['timeoutMs'] === 'number' &&
    typeof r === 'object' &&
    r !== null &&
    typeof r['id'] === 'string' &&
    typeof r['name'] === 'string' &&
    typeof r['type'] === 'string' &&
    typeof r['spec'] === 'object' &&
    r['spec'] !== null
  );
}

function serverMessage(text: string): string | undefined {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    return typeof m === 'string' ? m.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}
