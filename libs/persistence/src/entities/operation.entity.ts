import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { OperationState } from '@haaas/domain';
import { TenantOwnedEntity } from './base.entity';
import { ClusterEntity } from './cluster.entity';

export interface OperationStepRecord {
  name: string;
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  startedAt?: string;
  finishedAt?: string;
  message?: string;
}

/**
 * An asynchronous action that touches hypervisors or BMCs (cluster start, node evacuate, service
 * relocate, ...): what the mutation returns and what clients poll, await or subscribe to.
 */
@Entity('operations')
@Index(['tenantId', 'clusterId', 'id'])
@Index(['tenantId', 'targetId', 'id'])
@Index(['idempotencyKey'], { unique: true })
export class OperationEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  /** e.g. CLUSTER_START, NODE_EVACUATE, SERVICE_RELOCATE, INCIDENT_RECOVERY. */
  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  @Column({ type: 'varchar', length: 32 })
  targetType!: string;

  @Column({ type: 'char', length: 36 })
  targetId!: string;

  /** PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED. */
  @Column({ type: 'varchar', length: 16 })
  state!: OperationState;

  /** 0-100. */
  @Column({ type: 'int', default: 0 })
  progress!: number;

  @Column({ type: 'json' })
  steps!: OperationStepRecord[];

  /** Arguments of the action (e.g. the target node of a relocation). */
  @Column({ type: 'json' })
  params!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  error!: string | null;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'varchar', length: 255 })
  requestedBy!: string;

  /** Set when a client retries a request with the same key: the same operation is returned. */
  @Column({ type: 'varchar', length: 160, nullable: true })
  idempotencyKey!: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;
}
