import type { SecretSealer } from '../management.tokens';
import type { FencingOptionMap } from './fencing-options.rules';

/**
 * What a `secret_options` column holds: `{"v":1,"keys":[...],"sealed":"..."}`. The values are
 * sealed together as ONE JSON object; the option names stay beside them in the clear.
 *
 * Why the names are outside the ciphertext: they are fence-agent parameter names (`password`,
 * `identity_file`), not secrets, and the API shows them (`secretOptionKeys`). Keeping them in
 * the clear lets every read answer without the key (the read path never decrypts, so listing
 * 500 devices costs no cryptography and a reader role never causes plaintext in memory).
 * They are checked against the sealed object whenever it is opened, so a row edited behind our
 * back is refused by the fencing runner and by every write rather than trusted.
 */
interface SealedOptionsEnvelope {
  readonly v: 1;
  readonly keys: readonly string[];
  readonly sealed: string;
}

/** Sealing context of a device's secrets: binds the ciphertext to its tenant and row. */
export function fencingDeviceSecretContext(tenantId: string, deviceId: string): string {
  return `${tenantId}:fencing-device:${deviceId}`;
}

/** Sealing context of an association's (per-node) secrets. */
export function fencingAssociationSecretContext(tenantId: string, associationId: string): string {
  return `${tenantId}:fencing-association:${associationId}`;
}

/** Seals secret options for storage; null when there are none (the column stays NULL). */
export function sealFencingSecrets(sealer: SecretSealer, context: string, secrets: FencingOptionMap): string | null {
  const keys = Object.keys(secrets).sort();
  if (keys.length === 0) return null;
  const plain: Record<string, string> = {};
  for (const k of keys) plain[k] = secrets[k] as string;
  const envelope: SealedOptionsEnvelope = { v: 1, keys, sealed: sealer.seal(JSON.stringify(plain), context) };
  return JSON.stringify(envelope);
}

function parseEnvelope(stored: string): SealedOptionsEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    throw new Error('sealed fencing options: unreadable column');
  }
  const e = parsed as Partial<SealedOptionsEnvelope> | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    e.v !== 1 ||
    !Array.isArray(e.keys) ||
    !e.keys.every((k) => typeof k === 'string') ||
    typeof e.sealed !== 'string'
  ) {
    throw new Error('sealed fencing options: unknown format');
  }
  return e as SealedOptionsEnvelope;
}

/** Names of the stored secret options, sorted, read without decrypting anything. */
export function fencingSecretOptionKeys(stored: string | null): string[] {
  return stored === null ? [] : [...parseEnvelope(stored).keys].sort();
}

/**
 * Opens stored secret options (for the fencing runner, and for writes that merge changes).
 * Throws when the context does not match (another row's ciphertext) or the names beside the
 * ciphertext disagree with it. The values must never be logged or returned.
 */
export function openFencingSecrets(sealer: SecretSealer, context: string, stored: string | null): Record<string, string> {
  if (stored === null) return {};
  const envelope = parseEnvelope(stored);
  const parsed = JSON.parse(sealer.open(envelope.sealed, context)) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('sealed fencing options: not an object');
  const entries = Object.entries(parsed);
  if (!entries.every(([, v]) => typeof v === 'string')) throw new Error('sealed fencing options: non-string value');
  const names = entries.map(([k]) => k).sort();
  if (JSON.stringify(names) !== JSON.stringify([...envelope.keys].sort())) throw new Error('sealed fencing options: names do not match the sealed values');
  return Object.fromEntries(entries) as Record<string, string>;
}
