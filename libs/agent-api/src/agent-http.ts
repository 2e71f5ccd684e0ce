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

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export function fail(status: HttpStatus, error: AgentApiError): HttpException {
  return new HttpException(error, status);
}

/** 415 unless the body is declared JSON. */
export function requireJson(contentType: string | undefined, what: string): void {
  if (!contentType || !JSON_TYPE.test(contentType)) {
    throw fail(HttpStatus.UNSUPPORTED_MEDIA_TYPE, { code: 'UNSUPPORTED_MEDIA_TYPE', message: `send ${what} as Content-Type: application/json` });
  }
}

/**
 * The node an agent token belongs to, checked before anything about the request is judged (so an
 * unauthenticated caller learns nothing): 401 with a Bearer challenge when the token is unknown or
 * rotated; `unavailable` turns a failure of the check itself (Redis, MySQL) into the caller's 503.
 */
export async function authenticateAgent(
  intake: HeartbeatIntake,
  authorization: string | undefined,
  res: Response,
  unavailable: (err: unknown) => HttpException,
  limiter?: RateLimiter,
): Promise<NonNullable<Awaited<ReturnType<HeartbeatIntake['authenticate']>>>> {
  let node;
  try {
    node = await intake.authenticate(bearerToken(authorization));
  } catch (err) {
    throw unavailable(err);
  }
  if (!node) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="haaas-agent"');
    throw fail(HttpStatus.UNAUTHORIZED, { code: 'UNAUTHENTICATED', message: 'invalid or missing node agent token (Authorization: Bearer hna_...); it may have been rotated' });
  }
  try {
    // per node: one agent looping too fast cannot crowd out the others
    await limiter?.takeForNode(node.tenantId, node.nodeId);
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    res.setHeader('Retry-After', String(err.retryAfter));
    throw fail(HttpStatus.TOO_MANY_REQUESTS, { code: 'RATE_LIMITED', message: err.message, retryAfter: err.retryAfter });
  }
  return node;
}
