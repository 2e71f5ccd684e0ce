/**
 * Prints a development token the local API accepts, and nothing else on stdout, so that
 *   TOKEN=$(npm run -s token -- --tenant demo --role member)
 * works. Usage: npm run token -- --tenant <id> --role <admin|member|reader>[,...] [--role ...]
 *                              [--subject <name>] [--ttl <30m|12h|7d>]
 * Refused when NODE_ENV=production: real tokens come from the identity provider.
 */
import { parseArgs } from 'node:util';
import { signDevToken } from '@haaas/auth';
import { ConfigError, loadConfig, type AppConfig } from '@haaas/config';
import { ROLES, type Role } from '@haaas/domain';

const USAGE = 'usage: npm run token -- --tenant <id> --role <admin|member|reader>[,...] [--subject <name>] [--ttl <30m|12h|7d>]';

function fail(message: string, code = 1): never {
  process.stderr.write(`dev-token: ${message}\n`);
  process.exit(code);
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

function configOrFail(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (e) {
    fail(e instanceof ConfigError ? e.message : String(e));
  }
}

async function main(): Promise<void> {
  // checked before anything else, so the answer is this sentence and not a configuration error
  if (process.env['NODE_ENV'] === 'production') fail('refused: NODE_ENV=production. Development tokens are for development and tests only.');

  let values: { tenant?: string; role?: string[]; subject?: string; ttl?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        tenant: { type: 'string' },
        role: { type: 'string', multiple: true },
        subject: { type: 'string' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    fail(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  if (!values.tenant) fail(`--tenant is required\n${USAGE}`, 2);
  const roles = (values.role ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean);
  if (roles.length === 0) fail(`--role is required\n${USAGE}`, 2);
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length > 0) fail(`unknown role ${unknown.join(', ')}: use ${ROLES.join(', ')}`, 2);

  // jose's own error for a bad duration ("Invalid time period format") does not say which flag
  if (values.ttl !== undefined && !/^\d+(s|m|h|d|w)$/.test(values.ttl)) fail(`--ttl must be a number and a unit: s, m, h, d or w (e.g. 30m, 12h)`, 2);
  const config = configOrFail();
  try {
    const token = await signDevToken({ tenant: values.tenant, subject: values.subject, roles: roles.filter(isRole), expiresIn: values.ttl ?? '12h' }, config);
    process.stdout.write(`${token}\n`);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
}

void main();
