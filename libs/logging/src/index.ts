export { addLogContext, currentLogContext, runWithLogContext, type LogFields } from './log-context';
export { createLogger, httpLoggerOptions, REQUEST_ID, requestIdOf, type LogFormat, type LoggingOptions } from './logger.factory';
export { LoggingModule } from './logging.module';
export { REDACT_PATHS, REDACTED } from './redact';
export { Logger as PinoNestLogger } from 'nestjs-pino';
