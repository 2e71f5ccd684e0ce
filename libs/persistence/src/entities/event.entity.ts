import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@haaas/domain';
import { ClusterEntity } from './cluster.entity';

/** The cluster log: append-only, one row per change or recovery step. */
@Entity('events')
@Index(['tenantId', 'clusterId', 'id'])
@Index(['tenantId', 'clusterId', 'nodeId', 'id'])
@Index(['tenantId', 'clusterId', 'serviceId', 'id'])
@Index(['tenantId', 'clusterId', 'type', 'id'])
export class EventEntity {
  /** UUIDv7, so ordering by id is ordering by time. */
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId!: TenantId;

  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @CreateDateColumn({ type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  at!: Date;

  /** Token subject of whoever caused it, or `system:<component>`. */
  @Column({ type: 'varchar', length: 255 })
  actor!: string;

  /** e.g. `cluster.created`, `node.maintenance_changed`. */
  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'varchar', length: 32 })
  objectType!: string;

  @Column({ type: 'char', length: 36 })
  objectId!: string;

  @Column({ type: 'char', length: 36, nullable: true })
  nodeId!: string | null;

  @Column({ type: 'char', length: 36, nullable: true })
  serviceId!: string | null;

  @Column({ type: 'json', nullable: true })
  before!: Record<string, unknown> | null;

  @Column({ type: 'json', nullable: true })
  after!: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  message!: string | null;
}
