/**
 * The HAaaS node agent: `node tools/run.js apps/agent/src/main.ts --config /etc/haaas-agent/agent.json`.
 * Exit codes: 0 stopped by SIGTERM/SIGINT, 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { Agent } from './agent';
import { AgentConfigError, loadAgentConfig } from './agent.config';
import { AgentLogger } from './agent.logger';
import { AGENT_VERSION } from './version';

async function main(): Promise<number> {
  const logger = new AgentLogger();
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string', short: 'c' }, version: { type: 'boolean' } }, strict: true }).values;
  } catch (err) {
    logger.error(`${(err as Error).message}; usage: haaas-agent --config <file.json>`);
    return 2;
  }
  if (args.version) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (!args.config) {
    logger.error('usage: haaas-agent --config <file.json>');
    return 2;
  }
  let config;
  try {
    config = loadAgentConfig(args.config);
  } catch (err) {
    logger.error(err instanceof AgentConfigError ? err.message : `cannot load ${args.config}: ${(err as Error).message}`);
    return 2;
  }
  const agent = new Agent(config, { logger });
  const stop = (signal: string) => {
    logger.info(`${signal}: stopping`);
    void agent.stop();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: the token file will be read again');
    agent.reloadToken();
  });
  await agent.start();
  return 0;
}

main().then(
  // exit explicitly: an idle keep-alive connection would otherwise hold the process a few seconds
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`haaas-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
