/**
 * `haaas`: the HAaaS command line, in the shape of python-openstackclient (`haaas <object> <verb>`,
 * OS_* authentication, cliff's output options and exit codes: 0 ok, 1 failed, 2 usage, 130 Ctrl-C).
 */
import yargs, { type Argv } from 'yargs';
import { HaaasError, OperationFailedError } from '@haaas/sdk';
import { AuthConfigError } from './auth';
import { clusterCommand } from './commands/cluster.commands';
import { UsageError } from './commands/command.util';
import { failoverCommand, fencingCommand, quotaCommand, resourceCommand, tenantCommand } from './commands/inventory.commands';
import { nodeCommand } from './commands/node.commands';
import { eventCommand, fenceCommand, incidentCommand, operationCommand, tokenCommand } from './commands/operation.commands';
import { serviceCommand } from './commands/service.commands';
import { Ctx, OperationEnded, type GlobalArgs, type Io } from './context';
import { CloudConfigError } from '@haaas/os-config';
import { OutputOptionError } from './output';
import { WaitInterrupted } from './progress';

/** The exit codes (cliff's). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

const OS_OPTIONS: [string, string][] = [
  ['os-auth-url', 'Keystone URL (OS_AUTH_URL)'], ['os-auth-type', 'password, v3token or v3applicationcredential (OS_AUTH_TYPE)'],
  ['os-username', 'OS_USERNAME'], ['os-user-id', 'OS_USER_ID'], ['os-password', 'OS_PASSWORD (asked on a terminal when missing)'],
  ['os-user-domain-name', 'OS_USER_DOMAIN_NAME'], ['os-user-domain-id', 'OS_USER_DOMAIN_ID'], ['os-project-name', 'OS_PROJECT_NAME'], ['os-project-id', 'OS_PROJECT_ID'],
  ['os-project-domain-name', 'OS_PROJECT_DOMAIN_NAME'], ['os-project-domain-id', 'OS_PROJECT_DOMAIN_ID'], ['os-application-credential-id', 'OS_APPLICATION_CREDENTIAL_ID'],
  ['os-application-credential-secret', 'OS_APPLICATION_CREDENTIAL_SECRET'], ['os-token', 'OS_TOKEN (with v3token)'], ['os-region-name', 'OS_REGION_NAME'],
  ['os-interface', 'catalog interface of the ha endpoint (OS_INTERFACE, default public)'],
];

function parser(argv: readonly string[], io: Io): Argv {
  const ctxOf = (args: Record<string, unknown>): Ctx => new Ctx(args as GlobalArgs, io);
  let y = yargs([...argv])
    .scriptName('haaas')
    .usage('haaas <object> <verb> [options]\n\nHigh Availability as a Service, from the shell. Authentication as `openstack` does it (OS_* variables, clouds.yaml, --os-*).')
    .option('os-cloud', { type: 'string', describe: 'cloud of clouds.yaml (OS_CLOUD)', group: 'Authentication:' });
  for (const [name, describe] of OS_OPTIONS) y = y.option(name, { type: 'string', describe, group: 'Authentication:' });
  return y
    .option('endpoint', { type: 'string', describe: 'HAaaS API URL (HAAAS_URL; default: the "ha" service of the Keystone catalog)', group: 'Authentication:' })
    .option('tenant', { type: 'string', describe: 'platform admins: act in this tenant (HAAAS_TENANT)', group: 'Authentication:' })
    .option('format', { alias: 'f', type: 'string', describe: 'table, json, yaml, value, csv (lists) or shell (show)', group: 'Output:' })
    .option('column', { alias: 'c', type: 'string', array: true, describe: 'only this column (repeatable)', group: 'Output:' })
    .option('sort-column', { type: 'string', array: true, describe: 'sort by this column (repeatable)', group: 'Output:' })
    .option('noindent', { type: 'boolean', describe: 'compact json', group: 'Output:' })
    .option('max-width', { type: 'number', describe: 'table width limit', group: 'Output:' })
    .option('fit-width', { type: 'boolean', describe: 'fit tables to the terminal', group: 'Output:' })
    .option('print-empty', { type: 'boolean', describe: 'print an empty table when there is nothing', group: 'Output:' })
    .option('prefix', { type: 'string', describe: 'shell: prefix of the variable names', group: 'Output:' })
    .option('debug', { type: 'boolean', describe: 'show the requests on stderr' })
    .command(clusterCommand(ctxOf))
    .command(nodeCommand(ctxOf))
    .command(resourceCommand(ctxOf))
    .command(serviceCommand(ctxOf))
    .command(failoverCommand(ctxOf))
    .command(fencingCommand(ctxOf))
    .command(operationCommand(ctxOf))
    .command(incidentCommand(ctxOf))
    .command(eventCommand(ctxOf))
    .command(fenceCommand(ctxOf))
    .command(tokenCommand(ctxOf))
    .command(tenantCommand(ctxOf))
    .command(quotaCommand(ctxOf))
    .command('help [command..]', 'show help', (b) => b, () => undefined)
    .completion('completion', 'print the bash/zsh completion script (source <(haaas completion))')
    .demandCommand(1, 'give an object and a verb, e.g. haaas cluster list')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(120, io.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      // yargs' recommendation alone ("Did you mean cluster?") does not say what was wrong
      throw error ?? new UsageError(/^Did you mean/.test(message ?? '') ? `unknown command. ${message}` : (message ?? 'usage error'));
    });
}

/** Runs one command line; resolves with the exit code (never throws, never exits the process). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const args = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;
  try {
    await parser(args, io).parseAsync();
    return EXIT.ok;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: Io): number {
  const say = (text: string): void => void io.stderr.write(`haaas: ${text}\n`);
  if (error instanceof UsageError || error instanceof OutputOptionError) {
    say(`${error.message} (see haaas --help)`);
    return EXIT.usage;
  }
  if (error instanceof WaitInterrupted || io.interrupted.aborted) {
    say(error instanceof WaitInterrupted ? error.message : 'interrupted');
    return EXIT.interrupted;
  }
  if (error instanceof OperationFailedError || error instanceof OperationEnded) {
    say(error.message);
    return EXIT.failed;
  }
  if (error instanceof HaaasError) {
    say(`${error.code}: ${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`);
    return EXIT.failed;
  }
  if (error instanceof AuthConfigError || error instanceof CloudConfigError) {
    say(error.message);
    return EXIT.failed;
  }
  say(error instanceof Error ? error.message : String(error));
  return EXIT.failed;
}

/** The process entry point (bin/haaas.js). */
export function main(): void {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, interrupted: controller.signal };
  void run(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
    // pending timers (a spinner, keep-alive sockets) must not hold the shell
    if (code === EXIT.interrupted) process.exit(code);
  });
}
