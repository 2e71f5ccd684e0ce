/** Longest stderr sent to the API: its end, where the error usually is. */
export const MAX_STDERR = 2048;
export const MAX_DETAIL = 1024;

// `password=...`, `token: ...`, `--secret ...`, Authorization headers: values that must not reach the cluster log
const SECRET_VALUE = /\b(pass(?:word|wd)?|secret|token|api[_-]?key|credentials?|authorization)(\s*[=:]\s*|\s+)(?:bearer\s+|basic\s+)?("[^"]*"|'[^']*'|\S+)/gi;

/**
 * A command's stderr as the agent reports it: the agent's own secrets (its token) and values that
 * look like credentials replaced by [redacted], control characters other than line breaks and tabs
 * removed, the end kept.
 */
export function cleanStderr(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[redacted]');
  out = out.replace(SECRET_VALUE, (_m, key: string, sep: string) => `${key}${sep}[redacted]`);
  // eslint-disable-next-line no-control-regex -- the point is to remove control characters
  out = out.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
  return out.length > MAX_STDERR ? `...${out.slice(-(MAX_STDERR - 3))}` : out;
}

/** One printable line of at most MAX_DETAIL characters. */
export function oneLine(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[redacted]');
  // eslint-disable-next-line no-control-regex -- the point is to remove control characters
  out = out.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  if (out.length === 0) out = '(no detail)';
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL - 3)}...` : out;
}
