import type { TenantQuota } from '@haaas/domain';
import type { HypervisorAdapters } from './probes/probes.tokens';

/** Seals secrets (node credentials, fence-agent passwords) for storage; implemented with @haaas/secrets. */
export interface SecretSealer {
  /** `context` is bound into the ciphertext (tenant and object), so a sealed value cannot be moved to another row. */
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export const SECRET_SEALER = Symbol('SECRET_SEALER');
export const DEFAULT_QUOTA = Symbol('DEFAULT_QUOTA');

export interface ManagementOptions {
  readonly defaultQuota: TenantQuota;
  readonly sealer: SecretSealer;
  /** The hypervisor adapters, by hypervisor, for probes, tests and (later) recovery. */
  readonly adapters: HypervisorAdapters;
}

/** A SecretSealer over anything with encrypt/decrypt taking associated data (the SecretBox of @haaas/secrets). */
export function sealerOf(box: { encrypt(plaintext: string, aad?: string): string; decrypt(ciphertext: string, aad?: string): string }): SecretSealer {
  return { seal: (plain, context) => box.encrypt(plain, context), open: (sealed, context) => box.decrypt(sealed, context) };
}
