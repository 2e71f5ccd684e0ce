export { createTestDatabase } from './database';
export type { TestDatabase } from './database';
export { testRedisUrl } from './redis';
export { startKeystone, KEYSTONE_HAAAS_ADMIN_ROLE, KEYSTONE_USER_PASSWORD } from './keystone.peer';
export type { KeystonePeer, KeystoneFixture, KeystoneUser } from './keystone.peer';
export { markerEventType } from './event-marker';
export { documentedCliKeys } from './cli-output-keys';
export type { DocumentedKeys } from './cli-output-keys';
export { LogCapture, type LogRecord } from './log-capture';
