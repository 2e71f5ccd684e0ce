export const REDACTED = '***';

/**
 * Replaces every occurrence of each secret in `text` with `***`, for log lines and error messages
 * that may echo a command line or a peer's reply. One pass over the text, longest secret first,
 * so a secret that contains another is masked whole and a mask is never matched again.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const unique = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return text;
  const pattern = new RegExp(unique.map(escapeRegExp).join('|'), 'g');
  return text.replace(pattern, REDACTED);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
