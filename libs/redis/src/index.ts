export { RedisConnections } from './redis-connections';
export type { RedisConnectionsOptions } from './redis-connections';
export { RedisModule } from './redis.module';
export { REDIS_PURPOSES, connectionNameOf } from './redis-purposes';
export type { RedisPurpose } from './redis-purposes';
