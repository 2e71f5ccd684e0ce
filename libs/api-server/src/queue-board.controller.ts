import { All, type ArgumentsHost, Catch, Controller, type ExceptionFilter, Inject, Next, OnApplicationShutdown, Req, Res, UseFilters } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import type Redis from 'ioredis';
import { AdminOnly } from '@haaas/auth';
import { DomainError } from '@haaas/domain';
import { QUEUES } from '@haaas/queue';
import { REDIS_CLIENT } from './health.controller';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * Bull Board, the BullMQ queue view (waiting, active, delayed, failed jobs; retry and clean), for
 * platform admins only: behind the global guard like every route (401 without a valid token),
 * and @AdminOnly (403 for a tenant's users). Its pages and assets are served by Bull Board's own
 * Express router, which this controller hands every request below the path to once authorized.
 * A browser must send the bearer token (e.g. through the operator's authenticating proxy).
 */
/** The guard's refusals as HTTP statuses (the GraphQL transport maps them itself; this route is plain HTTP). */
@Catch(DomainError)
class AuthRefusalFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const status = error.code === 'UNAUTHENTICATED' ? 401 : error.code === 'FORBIDDEN' ? 403 : error.code === 'RATE_LIMITED' ? 429 : 400;
    host.switchToHttp().getResponse<Response>().status(status).json({ code: error.code, message: error.message });
  }
}

@Controller(QUEUE_BOARD_PATH.slice(1))
@UseFilters(AuthRefusalFilter)
export class QueueBoardController implements OnApplicationShutdown {
  private readonly queues: Queue[];
  private readonly connections: Redis[] = [];
  private readonly router: (req: Request, res: Response, next: NextFunction) => void;

  constructor(@Inject(REDIS_CLIENT) redis: Redis) {
    // a connection of their own: BullMQ's queues need one without an offline-queue limit
    this.queues = Object.values(QUEUES).map((name) => {
      const connection = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: true });
      connection.on('error', () => undefined);
      this.connections.push(connection);
      return new Queue(name, { connection });
    });
    const server = new ExpressAdapter().setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({ queues: this.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter: server });
    this.router = server.getRouter() as (req: Request, res: Response, next: NextFunction) => void;
  }

  @AdminOnly()
  @All(['', '*path'])
  serve(@Req() req: Request, @Res() res: Response, @Next() next: NextFunction): void {
    // Bull Board's router sees the path below its base, as if mounted there
    req.url = req.originalUrl.slice(QUEUE_BOARD_PATH.length) || '/';
    this.router(req, res, next);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
