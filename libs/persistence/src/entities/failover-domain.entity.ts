import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@haaas/domain';
import { TenantOwnedEntity } from './base.entity';
import { ClusterEntity } from './cluster.entity';
import { NodeEntity } from './node.entity';

@Entity('failover_domains')
@Index(['tenantId', 'clusterId', 'name'], { unique: true })
@Index(['tenantId', 'clusterId', 'id'])
export class FailoverDomainEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'boolean' })
  ordered!: boolean;

  @Column({ type: 'boolean' })
  restricted!: boolean;

  @Column({ type: 'boolean' })
  nofailback!: boolean;
}

@Entity('failover_domain_members')
@Index(['tenantId', 'domainId'])
export class FailoverDomainMemberEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  domainId!: string;

  @PrimaryColumn({ type: 'char', length: 36 })
  nodeId!: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId!: TenantId;

  @ManyToOne(() => FailoverDomainEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'domain_id' })
  domain?: FailoverDomainEntity;

  @ManyToOne(() => NodeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'node_id' })
  node?: NodeEntity;

  /** 1 = most preferred (rgmanager). */
  @Column({ type: 'int' })
  priority!: number;
}
