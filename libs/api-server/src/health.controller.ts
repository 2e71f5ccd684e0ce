import { Controller, Get, HttpCode, HttpStatus, Inject, Optional, Res } from '@nestjs/common';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { KEYSTONE_AUTHENTICATOR, KeystoneAuthenticator, Public } from '@haaas/auth';
import { Store } from '@haaas/persistence';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

type Check = 'up' | 'down';

/** Liveness (the process answers) and readiness (MySQL and Redis answer), for load balancers and orchestrators. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly store: Store,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Optional() @Inject(KEYSTONE_AUTHENTICATOR) private readonly keystone?: KeystoneAuthenticator,
  ) {}

  @Public()
  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  async ready(
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ status: 'ok' | 'degraded' | 'unavailable'; checks: { mysql: Check; redis: Check; keystone?: Check } }> {
    const keystone = this.keystone;
    const [mysql, redis, identity] = await Promise.all([
      withTimeout(this.store.ping(), 2000),
      withTimeout(this.redis.ping().then(() => undefined), 2000),
      keystone ? withTimeout(keystone.ping().then((up) => (up ? undefined : Promise.reject(new Error('down')))), 2000) : Promise.resolve(undefined),
    ]);
    const ok = mysql === 'up' && redis === 'up';
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    // Keystone down leaves JWT users working: the API stays ready, "degraded", and names it
    const status = !ok ? 'unavailable' : identity === 'down' ? 'degraded' : 'ok';
    return { status, checks: { mysql, redis, ...(identity ? { keystone: identity } : {}) } };
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
