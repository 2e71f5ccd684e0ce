import { Body, Controller, Headers, HttpCode, HttpException, HttpStatus, Logger, Optional, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public, RateLimiter } from '@haaas/auth';
import { HeartbeatIntake } from '@haaas/heartbeats';
import { authenticateAgent, fail, requireJson } from './agent-http';
import { MAX_HEARTBEAT_BYTES, parseHeartbeat } from './heartbeat.request';

export interface HeartbeatReply {
  /** Seconds until the next heartbeat: the cluster's interval, so it is changed centrally. */
  readonly intervalSeconds: number;
  /** When the server recorded this heartbeat (RFC 3339): the agent compares it with its clock. */
  readonly serverTime: string;
}

/**
 * `POST /v1/agent/heartbeat`, authenticated by the node's agent token (`Authorization: Bearer
 * hna_...`), not by a user JWT: hence @Public(), which only tells the JWT guard to stand aside.
 * The token is checked before the body is judged, so unauthenticated callers learn nothing.
 */
@Controller('v1/agent')
@Public()
export class HeartbeatController {
  private readonly logger = new Logger('AgentApi');

  constructor(
    private readonly intake: HeartbeatIntake,
    @Optional() private readonly limiter?: RateLimiter,
  ) {}

  @Post('heartbeat')
  @HttpCode(HttpStatus.OK)
  async heartbeat(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<HeartbeatReply> {
    // the global JSON parser already refuses bodies over its own limit; this one is much lower
    if (contentLength !== undefined && Number(contentLength) > MAX_HEARTBEAT_BYTES) {
      throw fail(HttpStatus.PAYLOAD_TOO_LARGE, { code: 'PAYLOAD_TOO_LARGE', message: `a heartbeat is at most ${MAX_HEARTBEAT_BYTES} bytes` });
    }
    const node = await authenticateAgent(this.intake, authorization, res, (err) => this.unavailable('token check', err), this.limiter);
    requireJson(contentType, 'the heartbeat');
    const parsed = parseHeartbeat(body);
    if (!parsed.report) {
      throw fail(HttpStatus.BAD_REQUEST, { code: 'BAD_USER_INPUT', message: `invalid heartbeat: ${parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems: parsed.problems });
    }
    try {
      const ack = await this.intake.receive(node, parsed.report);
      return { intervalSeconds: ack.intervalSeconds, serverTime: new Date(ack.seenAt).toISOString() };
    } catch (err) {
      throw this.unavailable('recording', err);
    }
  }

  private unavailable(what: string, err: unknown): HttpException {
    // the message of a Redis or database error names no token: the token never reaches them
    this.logger.error(`heartbeat ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    return fail(HttpStatus.SERVICE_UNAVAILABLE, { code: 'UNAVAILABLE', message: 'heartbeats cannot be recorded right now; retry with backoff' });
  }
}
