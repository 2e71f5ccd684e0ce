import { Body, Controller, Headers, HttpCode, HttpException, HttpStatus, Logger, Optional, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public, RateLimiter } from '@haaas/auth';
import { HeartbeatIntake } from '@haaas/heartbeats';
import { NodeActionBroker } from '@haaas/node-actions';
import type { NodeActionPayload } from '@haaas/node-actions';
import type { NodeAgentIdentity } from '@haaas/heartbeats';
import { authenticateAgent, fail, requireJson } from './agent-http';
import { MAX_ACTION_BODY_BYTES, parseActionResult, parseNextRequest, validActionId } from './action.request';

export interface NextActionReply {
  /** The action to carry out now, or null: nothing was queued while the request waited. */
  readonly action: NodeActionPayload | null;
}

export interface ActionResultReply {
  /** RECORDED: the result is the action's; DUPLICATE: a result was recorded before (the first stands). */
  readonly status: 'RECORDED' | 'DUPLICATE';
}

/**
 * Resource actions for node agents (IP, APPLICATION, VOLUME), authenticated like heartbeats by the
 * node's agent token, checked before the body is looked at:
 * - `POST /v1/agent/actions/next`: long poll; answers with the node's next action as soon as one is
 *   queued, or `{ action: null }` after `waitSeconds` (default 25);
 * - `POST /v1/agent/actions/:id/result`: the agent's report of an action it took (idempotent).
 * A token only ever reaches its own node's actions.
 */
@Controller('v1/agent/actions')
@Public()
export class ActionController {
  private readonly logger = new Logger('AgentApi');

  constructor(
    private readonly intake: HeartbeatIntake,
    private readonly broker: NodeActionBroker,
    @Optional() private readonly limiter?: RateLimiter,
  ) {}

  @Post('next')
  @HttpCode(HttpStatus.OK)
  async next(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<NextActionReply> {
    const node = await this.authenticate(authorization, contentLength, res);
    this.checkType(contentType);
    const parsed = parseNextRequest(body);
    if (parsed.problems) throw badInput('invalid action poll', parsed.problems);
    // the agent hung up (restart, timeout): stop waiting, so no action is handed to a closed socket
    const gone = new AbortController();
    const hangUp = (): void => gone.abort();
    res.once('close', hangUp);
    try {
      const action = await this.broker.take(node, parsed.waitSeconds * 1000, gone.signal);
      return { action };
    } catch (err) {
      throw this.unavailable('poll', err);
    } finally {
      res.off('close', hangUp);
    }
  }

  @Post(':id/result')
  @HttpCode(HttpStatus.OK)
  async result(
    @Param('id') id: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ActionResultReply> {
    const node = await this.authenticate(authorization, contentLength, res);
    this.checkType(contentType);
    if (!validActionId(id)) throw fail(HttpStatus.NOT_FOUND, { code: 'NOT_FOUND', message: 'no such action of this node (action ids are UUIDs)' });
    const parsed = parseActionResult(body);
    if (!parsed.result) throw badInput('invalid action result', parsed.problems);
    let outcome;
    try {
      outcome = await this.broker.complete(node, id, parsed.result);
    } catch (err) {
      throw this.unavailable('result', err);
    }
    if (outcome === 'UNKNOWN') {
      throw fail(HttpStatus.NOT_FOUND, { code: 'NOT_FOUND', message: `action ${id} was not handed to this node, or its result came after it was given up` });
    }
    return { status: outcome };
  }

  private async authenticate(authorization: string | undefined, contentLength: string | undefined, res: Response): Promise<NodeAgentIdentity> {
    if (contentLength !== undefined && Number(contentLength) > MAX_ACTION_BODY_BYTES) {
      throw fail(HttpStatus.PAYLOAD_TOO_LARGE, { code: 'PAYLOAD_TOO_LARGE', message: `an action request is at most ${MAX_ACTION_BODY_BYTES} bytes` });
    }
    return authenticateAgent(this.intake, authorization, res, (err) => this.unavailable('token check', err), this.limiter);
  }

  private checkType(contentType: string | undefined): void {
    requireJson(contentType, 'the request');
  }

  private unavailable(what: string, err: unknown): HttpException {
    this.logger.error(`agent action ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    return fail(HttpStatus.SERVICE_UNAVAILABLE, { code: 'UNAVAILABLE', message: 'node actions cannot be served right now; retry with backoff' });
  }
}

function badInput(what: string, problems: readonly { field: string; message: string }[]): HttpException {
  return fail(HttpStatus.BAD_REQUEST, { code: 'BAD_USER_INPUT', message: `${what}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems });
}
