import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { LoggerModule } from 'nestjs-pino';
import { runWithLogContext } from './log-context';
import { createLogger, httpLoggerOptions, type LoggingOptions } from './logger.factory';

/** Opens the unit of work of a request, so that the tenant, subject and operation found later land on its lines. */
function logContextMiddleware(_req: Request, _res: Response, next: NextFunction): void {
  runWithLogContext({}, next);
}

/**
 * nestjs-pino for a process: Nest's `Logger` writes through pino, and (in the API) pino-http binds
 * each request's lines to its request id. nestjs-pino keeps ONE root logger per process (the first
 * module built sets it): production runs one app per process; tests that read logs build theirs first.
 */
@Module({})
export class LoggingModule implements NestModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    const logger = createLogger(options);
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: httpLoggerOptions(logger) })],
      exports: [LoggerModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(logContextMiddleware).forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
