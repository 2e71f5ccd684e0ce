import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IncidentState, ServiceRecoveryState } from '@haaas/domain';
import { TenantOwnedEntity } from './base.entity';
import { ClusterEntity } from './cluster.entity';

/**
 * One node failure and its recovery. The idempotency key (cluster, node, the node's failure epoch)
 * is unique, so however many detectors or external notifications report the same failure, there
 * is one incident and so one recovery.
 */
@Entity('incidents')
@Index(['idempotencyKey'], { unique: true })
@Index(['tenantId', 'clusterId', 'id'])
@Index(['tenantId', 'nodeId', 'id'])
export class IncidentEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  /** The failed node (no foreign key: the record outlives a node that leaves). */
  @Column({ type: 'char', length: 36 })
  nodeId!: string;

  @Column({ type: 'varchar', length: 160 })
  idempotencyKey!: string;

  /** DETECTED, FENCING, AWAITING_OPERATOR, RECOVERING, RECOVERED, PARTIALLY_RECOVERED, FAILED, CANCELLED. */
  @Column({ type: 'varchar', length: 24 })
  state!: IncidentState;

  /** DETECTOR or NOTIFICATION (an external monitor reported it). */
  @Column({ type: 'varchar', length: 16 })
  source!: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  reason!: string | null;

  /** Last heartbeat seen before the failure. */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  lastSeenAt!: Date | null;

  /** When the node was declared failed (both channels agreed). */
  @Column({ type: 'datetime', precision: 3 })
  declaredAt!: Date;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  fencedAt!: Date | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;

  /** What fencing did, level by level (devices, results, latencies), for the log and the operator. */
  @Column({ type: 'json', nullable: true })
  fencing!: Record<string, unknown> | null;

  /** The detector lease token that declared it (a stale detector's writes are refused). */
  @Column({ type: 'bigint', default: 0 })
  detectorToken!: string;

  @CreateDateColumn({ type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)', name: 'opened_at' })
  openedAt!: Date;
}

/** The recovery of one service within an incident: where it went, how often it was tried, how long it took. */
@Entity('service_recoveries')
@Index(['incidentId', 'serviceId'], { unique: true })
@Index(['tenantId', 'serviceId', 'id'])
export class ServiceRecoveryEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  incidentId!: string;

  @ManyToOne(() => IncidentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incident?: IncidentEntity;

  @Column({ type: 'char', length: 36 })
  serviceId!: string;

  /** PENDING, PLACING, STARTING, RETRYING, RUNNING, FAILED, SKIPPED. */
  @Column({ type: 'varchar', length: 16 })
  state!: ServiceRecoveryState;

  @Column({ type: 'int' })
  priority!: number;

  @Column({ type: 'char', length: 36, nullable: true })
  targetNodeId!: string | null;

  /** Nodes tried so far (relocations), in order. */
  @Column({ type: 'json' })
  triedNodeIds!: string[];

  /** Start attempts over all targets. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** Start attempts on the current target (the retry decision: retry here, or relocate). */
  @Column({ type: 'int', default: 0 })
  targetAttempts!: number;

  /** When the next retry is due (backoff), if one is pending. */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  retryAt!: Date | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  reason!: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  recoveredAt!: Date | null;

  /** The service's recovery time objective at the time, to compare time-to-recover against. */
  @Column({ type: 'int', nullable: true })
  rtoSeconds!: number | null;
}
