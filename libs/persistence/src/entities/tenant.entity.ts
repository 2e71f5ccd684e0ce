import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A tenant. Not tenant-owned itself: only the tenant directory and admins reach this table. */
@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  displayName!: string | null;

  /** Quota overrides; null means the configured default. */
  @Column({ type: 'int', nullable: true })
  maxClusters!: number | null;

  @Column({ type: 'int', nullable: true })
  maxNodes!: number | null;

  @Column({ type: 'int', nullable: true })
  maxResources!: number | null;

  @Column({ type: 'int', nullable: true })
  maxServices!: number | null;

  @CreateDateColumn({ type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)', onUpdate: 'CURRENT_TIMESTAMP(3)' })
  updatedAt!: Date;
}
