export { createTestDatabase } from './database';
export type { TestDatabase } from './database';
