import type { Server } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import { RateLimiter } from '@haaas/auth';
import { HeartbeatIntake } from '@haaas/heartbeats';
import { HeartbeatHandler, isHeartbeatRequest } from './heartbeat.handler';

/**
 * Puts the lean heartbeat handler in front of the application on its own HTTP server (same port,
 * same process): `POST /v1/agent/heartbeat` is answered by `HeartbeatHandler`, every other request
 * goes to Express and NestJS as before. Call it once, after the app is created and before it
 * listens (the Nest server exists from creation; its one 'request' listener is Express).
 */
export function installAgentFastPath(app: INestApplication): void {
  const server = app.getHttpServer() as Server;
  const listeners = server.listeners('request');
  const framework = listeners[0] as ((...args: unknown[]) => void) | undefined;
  if (listeners.length !== 1 || framework === undefined) throw new Error(`installAgentFastPath: expected the framework as the one request listener, found ${listeners.length}`);
  const logger = new Logger('AgentApi');
  const limiter = app.get(RateLimiter, { strict: false, each: false });
  const handler = new HeartbeatHandler(app.get(HeartbeatIntake, { strict: false }), limiter ?? undefined, (what, err) =>
    logger.error(`${what} failed: ${err instanceof Error ? err.message : String(err)}`),
  );
  server.removeAllListeners('request');
  server.on('request', (req, res) => (isHeartbeatRequest(req) ? handler.handle(req, res) : framework(req, res)));
}
