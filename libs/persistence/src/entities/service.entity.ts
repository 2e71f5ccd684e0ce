import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { RecoveryAction, ServiceState } from '@haaas/domain';
import { TenantOwnedEntity } from './base.entity';
import type { AttributeMap } from './base.entity';
import { ClusterEntity } from './cluster.entity';
import { FailoverDomainEntity } from './failover-domain.entity';
import { NodeEntity } from './node.entity';

@Entity('services')
@Index(['tenantId', 'clusterId', 'name'], { unique: true })
@Index(['tenantId', 'clusterId', 'id'])
export class ServiceEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 16, default: ServiceState.STOPPED })
  state!: ServiceState;

  /** The node it runs on (one owner at a time), or null. */
  @Column({ type: 'char', length: 36, nullable: true })
  currentNodeId!: string | null;

  @ManyToOne(() => NodeEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'current_node_id' })
  currentNode?: NodeEntity;

  @Column({ type: 'char', length: 36, nullable: true })
  failoverDomainId!: string | null;

  // the API refuses to delete a domain in use; SET NULL only lets a forced cluster destroy cascade
  @ManyToOne(() => FailoverDomainEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'failover_domain_id' })
  failoverDomain?: FailoverDomainEntity;

  @Column({ type: 'int' })
  priority!: number;

  @Column({ type: 'varchar', length: 16 })
  recoveryAction!: RecoveryAction;

  @Column({ type: 'int' })
  startTimeoutSeconds!: number;

  @Column({ type: 'int' })
  stopTimeoutSeconds!: number;

  @Column({ type: 'int' })
  maxRestarts!: number;

  @Column({ type: 'int' })
  restartWindowSeconds!: number;

  @Column({ type: 'int' })
  maxRelocations!: number;

  @Column({ type: 'boolean' })
  autostart!: boolean;

  @Column({ type: 'varchar', length: 63, nullable: true })
  antiAffinityGroup!: string | null;

  @Column({ type: 'int', nullable: true })
  recoveryTimeObjectiveSeconds!: number | null;

  @Column({ type: 'json' })
  attributes!: AttributeMap;

  /**
   * Who acts on the service now (an operation or a recovery job), until when: a service is never
   * acted on by two jobs at once, and a claim of a crashed worker expires.
   */
  @Column({ type: 'varchar', length: 64, nullable: true })
  claimedBy?: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  claimExpiresAt?: Date | null;

  /** Restarts on the same node, for the restart budget (timestamps, newest last). */
  @Column({ type: 'json', nullable: true })
  recentRestarts?: string[] | null;
}
