import { HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import type { RateLimiter } from '@haaas/auth';
import { type FieldProblem, RateLimitedError } from '@haaas/domain';
import { bearerToken, HeartbeatIntake } from '@haaas/heartbeats';

/** Error bodies of the agent API: the codes of the GraphQL API (ADR 0006) where one fits. */
export interface AgentApiError {
  readonly code: 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'NOT_FOUND' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'UNAVAILABLE' | 'RATE_LIMITED';
  /** With RATE_LIMITED: seconds to wait, as in the Retry-After header. */
  readonly retryAfter?: number;
  readonly message: string;
  readonly problems?: readonly FieldProblem[];
}

export const JSON_TYPE = /^application\/json\s*(;|$)/i;

export function fail(status: HttpStatus, error: AgentApiError): HttpException {
  return new HttpException(error, status);
}

/** 415 unless the body is declared JSON. */
export function requireJson(contentType: string | undefined, what: string): void {
  if (!contentType || !JSON_TYPE.test(contentType)) {
    throw fail(HttpStatus.UNSUPPORTED_MEDIA_TYPE, { code: 'UNSUPPORTED_MEDIA_TYPE', message: `send ${what} as Content-Type: application/json` });
  }
}

/** A refusal of the agent API: status, body and the headers that go with it. */
export interface AgentRefusal {
  readonly status: HttpStatus;
  readonly error: AgentApiError;
  readonly headers?: Readonly<Record<string, string>>;
}

type AgentNode = NonNullable<Awaited<ReturnType<HeartbeatIntake['authenticate']>>>;

/**
 * The node an agent token belongs to, checked before anything about the request is judged (so an
 * unauthenticated caller learns nothing), or the refusal: 401 with a Bearer challenge when the
 * token is unknown or rotated, 429 when the node is over its rate. Shared by the Nest controllers
 * and the lean heartbeat handler; a failure of the check itself (Redis, MySQL) is thrown.
 */
export async function checkAgent(intake: HeartbeatIntake, authorization: string | undefined, limiter?: RateLimiter): Promise<{ node: AgentNode } | { refusal: AgentRefusal }> {
  const node = await intake.authenticate(bearerToken(authorization));
  if (!node) {
    return {
      refusal: {
        status: HttpStatus.UNAUTHORIZED,
        error: { code: 'UNAUTHENTICATED', message: 'invalid or missing node agent token (Authorization: Bearer hna_...); it may have been rotated' },
        headers: { 'WWW-Authenticate': 'Bearer realm="haaas-agent"' },
      },
    };
  }
  try {
    // per node: one agent looping too fast cannot crowd out the others
    await limiter?.takeForNode(node.tenantId, node.nodeId);
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    return { refusal: { status: HttpStatus.TOO_MANY_REQUESTS, error: { code: 'RATE_LIMITED', message: err.message, retryAfter: err.retryAfter }, headers: { 'Retry-After': String(err.retryAfter) } } };
  }
  return { node };
}

/** `checkAgent` for the Nest controllers: a refusal thrown as the HttpException Nest answers with. */
export async function authenticateAgent(
  intake: HeartbeatIntake,
  authorization: string | undefined,
  res: Response,
  unavailable: (err: unknown) => HttpException,
  limiter?: RateLimiter,
): Promise<AgentNode> {
  let checked;
  try {
    checked = await checkAgent(intake, authorization, limiter);
  } catch (err) {
    throw unavailable(err);
  }
  if ('node' in checked) return checked.node;
  for (const [name, value] of Object.entries(checked.refusal.headers ?? {})) res.setHeader(name, value);
  throw fail(checked.refusal.status, checked.refusal.error);
}
