import { Column, CreateDateColumn, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { TenantId } from '@haaas/domain';

/** Every row of a tenant table carries its tenant; the repositories fill and filter it. */
export abstract class TenantOwnedEntity {
  /** UUIDv7: time-ordered, so keyset pagination by id follows creation order. */
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId!: TenantId;

  @CreateDateColumn({ type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)', onUpdate: 'CURRENT_TIMESTAMP(3)' })
  updatedAt!: Date;

  /** Optimistic concurrency: a stale write fails instead of overwriting a newer one. */
  @VersionColumn()
  version!: number;
}

export type AttributeMap = Record<string, string>;
