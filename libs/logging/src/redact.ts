/**
 * What the logger blanks wherever it appears in a logged object: credentials of nodes and fencing
 * devices, tokens, webhook secrets and the headers that carry them. Messages are text and cannot
 * be redacted, so code never puts a secret in one; test/e2e/logs-failover.e2e-spec.ts greps a full
 * run's log lines for the secrets it used.
 */
const SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'secrets',
  'secretOptions',
  'token',
  'accessToken',
  'refreshToken',
  'agentToken',
  'authorization',
  'cookie',
  'identity_file',
  'signingSecret',
  'sealed',
];

export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

export const REDACTED = '[REDACTED]';
