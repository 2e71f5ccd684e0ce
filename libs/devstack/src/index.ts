export { type Log } from './log.util';
export { aptInstallCommand, ensureDebianPackages, type EnsurePackagesOptions, findBinary, MissingPackagesError, missingDebianPackages } from './debian.packages';
export { freePort, isPortOpen } from './free-port.util';
export { type LocalServer, type LocalServerOptions } from './local.server';
export { isAlive, logTail, readPidFile, ServerStartError, settlesWithin, sleep, spawnServer, waitUntilReady } from './process.util';
export { mariaDbPaths, startMariaDb } from './mariadb.server';
export { createDatabase, databaseUrl, dropDatabase, mysqlAnswers } from './mariadb.admin';
export { redisAnswers, redisPaths, startRedis } from './redis.server';
export { type LocalInfra, type LocalInfraOptions, startLocalInfra } from './local-infra.stack';
