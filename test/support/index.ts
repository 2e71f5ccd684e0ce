export { createTestDatabase } from './database';
export type { TestDatabase } from './database';
export { testRedisUrl } from './redis';
