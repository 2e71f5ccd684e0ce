import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The audit log: tenant-level and admin actions. Append-only: the repository can only insert and
 * read, and database triggers refuse UPDATE and DELETE (migration AuditLog).
 */
@Entity('audit_log')
@Index(['tenantId', 'id'])
@Index(['action', 'id'])
export class AuditEntryEntity {
  /** UUIDv7: ordering by id is ordering by time. */
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @CreateDateColumn({ type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  at!: Date;

  /** The tenant acted on (for an admin acting in another tenant: that tenant). */
  @Column({ type: 'varchar', length: 64 })
  tenantId!: string;

  /** Token subject of the caller, or `system:<component>`. */
  @Column({ type: 'varchar', length: 255 })
  actor!: string;

  /** AUDIT_ACTIONS of @haaas/domain. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 32 })
  targetType!: string;

  @Column({ type: 'varchar', length: 64 })
  targetId!: string;

  /** What changed (never a secret: a token's fingerprint, a quota's new values). */
  @Column({ type: 'json', nullable: true })
  details!: Record<string, unknown> | null;

  /** The request that did it, to find its log lines. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;
}
