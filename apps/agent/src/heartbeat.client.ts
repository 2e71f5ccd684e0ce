import { postJson } from './http.post';
import type { CheckResult } from './checks/check.types';

/**
 * The body of POST /v1/agent/heartbeat. The API's copy of this contract is in @haaas/agent-api
 * (heartbeat.request.ts); the agent does not import it, to stay a plain Node program without
 * NestJS. The end-to-end test runs this agent against that API.
 */
export interface HeartbeatBody {
  readonly sentAt: string;
  readonly bootTime: string;
  readonly checks: { readonly storage?: CheckResult; readonly isolationAddress?: CheckResult };
  readonly agentVersion: string;
}

export interface HeartbeatAnswer {
  readonly intervalSeconds?: number;
  readonly serverTime?: string;
}

/** The API refused the token (401): rotated, revoked, or for another node. */
export class TokenRefusedError extends Error {
  override name = 'TokenRefusedError';
}
/** The API refused the heartbeat itself (400, 413, 415): a bug to report, not a reason to hurry. */
export class HeartbeatRefusedError extends Error {
  override name = 'HeartbeatRefusedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
/** Network errors, timeouts, 5xx: try again after a backoff. */
export class ApiUnavailableError extends Error {
  override name = 'ApiUnavailableError';
}

/** Sends heartbeats over one keep-alive connection (http.post.ts). */
export class HeartbeatClient {
  private readonly url: string;

  constructor(
    apiUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.url = `${apiUrl}/v1/agent/heartbeat`;
  }

  async send(token: string, body: HeartbeatBody, signal: AbortSignal): Promise<HeartbeatAnswer> {
    let res: { readonly status: number; readonly text: string };
    try {
      res = await postJson(this.url, token, body, signal, this.timeoutMs);
    } catch (err) {
      throw new ApiUnavailableError(`${this.url}: ${(err as Error).message}`);
    }
    const text = res.text;
    if (res.status === 401) throw new TokenRefusedError(serverMessage(text) ?? 'token refused');
    if (res.status >= 500 || res.status === 429 || res.status === 408) throw new ApiUnavailableError(`${this.url}: HTTP ${res.status} ${serverMessage(text) ?? ''}`.trim());
    if (res.status >= 400) throw new HeartbeatRefusedError(res.status, `HTTP ${res.status}: ${serverMessage(text) ?? text.slice(0, 300)}`);
    if (res.status === 204 || !text) return {};
    try {
      return JSON.parse(text) as HeartbeatAnswer;
    } catch {
      return {};
    }
  }
}

function serverMessage(text: string): string | undefined {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    return typeof m === 'string' ? m.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}
