import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { Public } from '@haaas/auth';
import { Store } from '@haaas/persistence';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

type Check = 'up' | 'down';

/** Liveness (the process answers) and readiness (MySQL and Redis answer), for load balancers and orchestrators. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly store: Store,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  @Public()
  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<{ status: 'ok' | 'unavailable'; checks: { mysql: Check; redis: Check } }> {
    const [mysql, redis] = await Promise.all([
      withTimeout(this.store.ping(), 2000),
      withTimeout(this.redis.ping().then(() => undefined), 2000),
    ]);
    const ok = mysql === 'up' && redis === 'up';
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'unavailable', checks: { mysql, redis } };
  }
}

async function withTimeout(p: Promise<void>, ms: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve('down'), ms);
  });
  try {
    return await Promise.race([p.then((): Check => 'up').catch((): Check => 'down'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
